"""RM Portal settings: one module, everything from the environment.

With no variable set this is the embedded default: SQLite, media, cache and the
Celery broker all under var/ at the project root. DATABASE_URL and REDIS_URL move
the same code to PostgreSQL and Redis.

This module only reads: what the embedded default keeps on disk is created by
`rm_portal.bootstrap.prepare_embedded()`, which every entry point calls first.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from rm_portal.bootstrap import (
    BASE_DIR,
    archive_checkpoint_dir,
    archive_checkpoint_key_file,
    archive_hmac_key_file,
    broker_dir,
    secret_key_file,
    static_root,
    var_dir,
)
from rm_portal.env import env_bool, env_int, env_list, env_str

VAR_DIR = var_dir()

DATABASE_URL = env_str("DATABASE_URL") or ""
REDIS_URL = env_str("REDIS_URL") or ""
EMBEDDED = not DATABASE_URL

DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    configured = env_str("DJANGO_SECRET_KEY")
    if configured:
        if len(configured) < 16:
            raise ImproperlyConfigured("DJANGO_SECRET_KEY is too short (16 characters at least)")
        return configured
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required with DATABASE_URL"
        )
    # The embedded default needs no variable, yet must not share a key with every other laptop:
    # prepare_embedded() generated one into var/.
    key_file = secret_key_file()
    try:
        key = key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if not key:
        raise ImproperlyConfigured(
            f"No DJANGO_SECRET_KEY and no generated key in {key_file}. Start through manage.py "
            "(`python manage.py migrate` creates it), or call rm_portal.bootstrap.prepare_embedded() "
            "before loading the settings, or set DJANGO_SECRET_KEY."
        )
    return key


SECRET_KEY = _secret_key()

if DEBUG and not EMBEDDED and not env_bool("DJANGO_ALLOW_DEBUG_SCALED", False):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=1 is refused on a scaled deployment (set DJANGO_ALLOW_DEBUG_SCALED=1 to insist)"
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if EMBEDDED else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("DJANGO_HTTPS", not EMBEDDED)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    # Browsers keep to HTTPS for a year once they have seen it; plain HTTP is redirected, except the
    # load balancer's health check, which probes over HTTP inside the network.
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy on every response (django-csp). Inline scripts run only with the
# request's nonce (`<script nonce="{{ request.csp_nonce }}">`); Swagger UI is served from our own
# static files (drf-spectacular-sidecar), nothing from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'", NONCE],  # the request's nonce, when a page used it
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
    }
}
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12, minimum=1) * 3600

# Where `manage.py serve` (`make run`) binds the web server.
SERVE_HOST = env_str("HOST") or "127.0.0.1"
SERVE_PORT = env_int("PORT", 8000, minimum=1, maximum=65535)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_celery_beat",
    "rm_portal.core",
    "rm_portal.org",
    "rm_portal.notifications",
    "rm_portal.web",
    "rm_portal.customers",
    "rm_portal.opportunities",
    "rm_portal.checklists",
    "rm_portal.matching",
    "materials",
    "compliance",
    "rm_portal.wecom",
    "rm_portal.outreach",
]

MIDDLEWARE = [
    "rm_portal.core.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rm_portal.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must stay last: it turns a lockout flagged during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rm_portal.urls"
CSRF_FAILURE_VIEW = "rm_portal.api.exceptions.csrf_failure"
WSGI_APPLICATION = "rm_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rm_portal.web.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES: dict[str, dict[str, Any]]
if EMBEDDED:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("RM_DB_NAME") or VAR_DIR / "rm_portal.sqlite3",
            # WAL lets the web processes read while the worker writes; IMMEDIATE avoids
            # "database is locked" on read-then-write transactions from several processes.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not :memory:, so that a real Celery worker started by a test sees the same data.
            # (DJANGO_TEST_DB_NAME names PostgreSQL's; this file is already the checkout's own.)
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
else:
    DATABASES = {
        "default": dict(dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)))
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            }
        )
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    else:
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # Behind PgBouncer in transaction pooling a server-side cursor (QuerySet.iterator()) can
        # land on another server connection mid-iteration: DB_PGBOUNCER=1 turns them off
        # (docs/deployment.md).
        if env_bool("DB_PGBOUNCER", False):
            DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if env_str("RM_DB_NAME"):  # a worker started by a test joins the test database
        DATABASES["default"]["NAME"] = env_str("RM_DB_NAME")
    # Names the PostgreSQL test database (parallel checkouts on one server); SQLite's is in memory.
    if env_str("DJANGO_TEST_DB_NAME") and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        DATABASES["default"]["TEST"] = {"NAME": env_str("DJANGO_TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
if REDIS_URL:
    # A hung Redis must fail fast, not stall requests: every cache read on a write path degrades
    # to the database when the cache errors, and a timeout is what turns a hang into an error.
    CACHE_TIMEOUT_SECONDS = env_int("CACHE_TIMEOUT_SECONDS", 2, minimum=1)
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
    }
else:
    # Shared by the web processes and the worker of the embedded run, unlike a per-process LocMem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
TOKEN_TTL = timedelta(hours=env_int("TOKEN_TTL_HOURS", 12, minimum=1))
# Seconds a process remembers a token's person (rm_portal/org/authentication.py): a sign-out or a
# deactivation in another process reaches this one within them. 0: read the database every request.
TOKEN_CACHE_SECONDS = env_int("TOKEN_CACHE_SECONDS", 5, minimum=0, maximum=60)

# Login throttling (rm_portal.org.lockout.LoginAttempts, docs/decisions.md "Lockout"): failures count
# per (account, client address) — a stranger elsewhere cannot lock a person out — and per client
# address across accounts, with a higher limit because a branch shares one egress address.
AXES_HANDLER = "rm_portal.org.lockout.LoginAttempts"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCK_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# Tries during a lock (the right password too) are refused without extending it: the lock ends
# LOGIN_LOCK_MINUTES after the failure that caused it, however often someone knocks meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address: REMOTE_ADDR, or behind LOGIN_PROXY_COUNT reverse proxies the address the
# outermost of them saw (from X-Forwarded-For; only trustworthy when those proxies set it).
LOGIN_PROXY_COUNT = env_int("LOGIN_PROXY_COUNT", 0, minimum=0)
if LOGIN_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = LOGIN_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rm_portal.org.lockout.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = static_root()  # filled by collectstatic when scaled
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
S3_BUCKET = env_str("S3_BUCKET") or ""
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Manifest storage needs collectstatic; tests and `make run` serve from the finders instead.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Materials --------------------------------------------------------------------------------
# A font that draws Chinese on the posters (.ttf/.otf/.ttc) and its face index inside a .ttc.
# Empty: materials.fonts looks for Debian's fonts-noto-cjk, then WenQuanYi.
RM_CJK_FONT = env_str("RM_CJK_FONT") or ""
RM_CJK_FONT_INDEX = env_int("RM_CJK_FONT_INDEX", 0, minimum=0)

# --- Request size limits ----------------------------------------------------------------------
# A JSON or form body larger than this answers 413; uploads are capped separately per request.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_FORM_BYTES", 5 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 30 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000


# --- Compliance throttles: per-user request rates, DRF's "N/period" (period s, min, h or d) ---
def _rate(name: str, default: str) -> str:
    value = env_str(name) or default
    if not re.fullmatch(r"[1-9][0-9]{0,8}/(s|sec|m|min|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 120/min (requests per s, min, h or d)")
    return value


# The compose-box check (an RM checks each message before sending it) and message uploads (the
# gateway pushes in bursts); a caller over the rate is answered 429.
COMPLIANCE_THROTTLE_RATES = {
    "compliance_check": _rate("CHECK_RATE", "120/min"),
    "compliance_ingest": _rate("INGEST_RATE", "600/min"),
}

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rm_portal.org.authentication.ExpiringTokenAuthentication",
        "rm_portal.api.session.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rm_portal.api.permissions.IsActiveStaff"],
    "DEFAULT_PAGINATION_CLASS": "rm_portal.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rm_portal.api.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "rm_portal.api.exceptions.handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {**COMPLIANCE_THROTTLE_RATES},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RM Portal API",
    "DESCRIPTION": (
        "客户经理移动工作台 API (v1). "
        "Authenticate with POST /api/v1/auth/token/, then send `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN's @latest.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by several components get one name of their own (else a hash suffix).
    "ENUM_NAME_OVERRIDES": {
        "ChecklistScopeEnum": "rm_portal.checklists.models.ChecklistTemplate.Scope",
        "ChecklistRunStatusEnum": "rm_portal.checklists.models.ChecklistRun.Status",
        "KindEnum": "materials.models.Kind",  # keeps its name beside the contacts' source `kind`
        "ContactStatusEnum": "rm_portal.wecom.models.ContactFollow.Status",
        "ContactSourceEnum": "rm_portal.wecom.models.ContactFollow.Source",
        "ContactBindMethodEnum": "rm_portal.wecom.models.ContactFollow.BindMethod",
        "DetectorKindEnum": "compliance.models.DetectorKind",
        "HoldingTypeEnum": "rm_portal.customers.models.HoldingType",
        "MatchingSignalKindEnum": "rm_portal.matching.models.SignalKind",
        "RecommendationKindEnum": "rm_portal.matching.models.RecommendationKind",
        "MaterialStateEnum": "materials.models.PublishState",
        "OutreachStatusEnum": "rm_portal.outreach.models.OutreachTask.Status",
        "OutreachSelectionEnum": "rm_portal.outreach.models.OutreachTask.Selection",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rm_portal.api.schema.document_errors",
        "rm_portal.api.schema.forbid_unknown_fields",
    ],
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that dies (or loses Redis) goes back to the queue once this much time has
# passed since it was taken: longer than the longest task, or a slow task runs twice. With
# acks_late and reject_on_worker_lost above, Redis keeps the message until the task has finished;
# kombu's default (1 h) is shorter than a large import. Countdown retries (notification back-off,
# at most 1 h) must stay below it too, or they are delivered twice.
CELERY_VISIBILITY_TIMEOUT_SECONDS = env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3 * 3600, minimum=3600)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_SECONDS
    }
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_IGNORE_RESULT = False
else:
    # The embedded broker: messages are files under var/broker, shared by `make run`'s
    # web processes and its worker; nothing to install, and schedules really fire.
    BROKER_DIR = broker_dir()
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu's default 1 s: with one message prefetched per child, each child then waited up to
        # a second between tasks (1 add/s in a campaign's burst; 0.1 s still cost a third of the
        # rate). A listdir of the queue folder 20 times a second is little to an idle worker; Redis
        # (BRPOP) has no such wait at all.
        "polling_interval": 0.05,
    }
    CELERY_TASK_IGNORE_RESULT = True
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 60, minimum=1)
# A queued or running job untouched this long has lost its worker: the sweeper resumes or fails it.
JOB_STALE_MINUTES = env_int("JOB_STALE_MINUTES", 30, minimum=1)
JOB_MAX_RESUMES = env_int("JOB_MAX_RESUMES", 3, minimum=0)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}  # apps add theirs in <app>/schedules.py (see rm_portal/celery.py)

# --- WeCom (企业微信) ---------------------------------------------------------------------------
# One client (rm_portal.wecom.client) for the server API; each secret has its own access token.
# Unconfigured, notifications record what they would have sent. Secrets accept X_FILE.
WECOM_API_BASE = env_str("WECOM_API_BASE") or "https://qyapi.weixin.qq.com"
WECOM_CORP_ID = env_str("WECOM_CORP_ID") or ""
WECOM_CONTACT_SECRET = env_str("WECOM_CONTACT_SECRET") or ""  # 客户联系 secret
WECOM_AGENT_ID = env_str("WECOM_AGENT_ID") or ""
WECOM_SECRET = env_str("WECOM_SECRET") or ""  # the application's secret (notifications, sidebar)
WECOM_TIMEOUT_SECONDS = env_int("WECOM_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
# How often beat asks WeCom how a handover's contact transfers went (transfer_result), until final.
WECOM_POLL_SECONDS = env_int("WECOM_POLL_SECONDS", 30, minimum=5, maximum=3600)
# Mass outreach (群发): marketing messages a customer may get in 7 days (welcome messages do not
# count), contacts per add_msg_template call (WeCom takes at most 10,000), and how often a chunk
# WeCom refused is tried again before it is given up.
OUTREACH_WEEKLY_CAP = env_int("OUTREACH_WEEKLY_CAP", 2, minimum=0, maximum=100)
OUTREACH_CHUNK_SIZE = env_int("OUTREACH_CHUNK_SIZE", 10000, minimum=1, maximum=10000)
OUTREACH_SEND_ATTEMPTS = env_int("OUTREACH_SEND_ATTEMPTS", 5, minimum=1, maximum=20)
# How often the contacts stats' rollup is rebuilt: how late an older add's binding or loss can show
# in the stats (today's adds always count at once). docs/wecom.md.
WECOM_STATS_ROLLUP_SECONDS = env_int("WECOM_STATS_ROLLUP_SECONDS", 300, minimum=30, maximum=86400)
if not WECOM_API_BASE.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"WECOM_API_BASE={WECOM_API_BASE!r} must be an http(s) URL")
# /wecom/callback/: the Token and the 43-character EncodingAESKey set in WeCom's admin console.
# Unset, the callback refuses everything.
WECOM_CALLBACK_TOKEN = env_str("WECOM_CALLBACK_TOKEN") or ""
WECOM_CALLBACK_AES_KEY = env_str("WECOM_CALLBACK_AES_KEY") or ""
if WECOM_CALLBACK_AES_KEY and not re.fullmatch(r"[A-Za-z0-9+/]{43}", WECOM_CALLBACK_AES_KEY):
    raise ImproperlyConfigured(
        "WECOM_CALLBACK_AES_KEY must be the 43-character EncodingAESKey (letters, digits, + and /)"
    )

# The welcome text sent to a customer who just added an RM (send_welcome_msg), after the compliance
# check; `{rm}` is the RM's name. One text for the bank: a welcome is a regulated marketing text.
WECOM_WELCOME_TEXT = env_str("WECOM_WELCOME_TEXT") or (
    "您好，我是您的客户经理{rm}。感谢添加，今后有任何金融问题都可以在这里找我。"
)
# A head-office demo tool (/wecom/demo/): asks a WeCom simulator's `/_sim/add_customer` to play a
# customer scanning an RM's 联系我 code, so the whole loop shows without a corp account. `make run`
# sets it when it starts the bundled simulator (WECOM_CORP_ID unset); unset, the page is a 404.
WECOM_SIM_URL = (env_str("WECOM_SIM_URL") or "").rstrip("/")
if WECOM_SIM_URL and not WECOM_SIM_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"WECOM_SIM_URL={WECOM_SIM_URL!r} must be an http(s) URL")

# --- Compliance ---------------------------------------------------------------------------------
# How long the conversation archive is kept (stated with every export); the application never
# deletes archived rows, and a legal hold keeps a conversation past it as well.
COMPLIANCE_RETENTION_YEARS = env_int("COMPLIANCE_RETENTION_YEARS", 5, minimum=1)
# Ingestion batches above this many messages are answered 202 and archived by the worker.
COMPLIANCE_SYNC_BATCH = env_int("COMPLIANCE_SYNC_BATCH", 500, minimum=0)
# The WeCom-style callback (企业微信回调): token and 43-character EncodingAESKey (secrets, so
# COMPLIANCE_WECOM_TOKEN_FILE / COMPLIANCE_WECOM_AES_KEY_FILE work too) and the receiving corp id.
# Unset, the callback refuses every push.
COMPLIANCE_WECOM_TOKEN = env_str("COMPLIANCE_WECOM_TOKEN") or ""
COMPLIANCE_WECOM_AES_KEY = env_str("COMPLIANCE_WECOM_AES_KEY") or ""
COMPLIANCE_WECOM_CORP_ID = env_str("COMPLIANCE_WECOM_CORP_ID") or ""
if COMPLIANCE_WECOM_AES_KEY and not re.fullmatch(r"[A-Za-z0-9+/]{43}", COMPLIANCE_WECOM_AES_KEY):
    raise ImproperlyConfigured(
        "COMPLIANCE_WECOM_AES_KEY must be the 43-character EncodingAESKey (letters, digits, + and /)"
    )


def _archive_key(name: str, generated: Path) -> bytes:
    """A 32-byte archive key as 64 hex digits, from NAME / NAME_FILE; the embedded default reads
    the one bootstrap generated into var/. Scaled, a missing or malformed key stops start-up: the
    archive's tamper evidence rests on keys the database does not hold."""
    raw = env_str(name)
    if raw is None and EMBEDDED:
        try:
            raw = generated.read_text(encoding="utf-8")
        except FileNotFoundError:
            raw = None
    if not raw and EMBEDDED:
        # Not prepared (settings loaded by a tool, bootstrap not run): the archive refuses to
        # hash or sign until the key exists, rather than settings writing a file.
        return b""
    if not raw:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) is required: 64 hex digits (docs/compliance.md)")
    raw = raw.strip()
    if not re.fullmatch(r"[0-9a-fA-F]{64}", raw):
        raise ImproperlyConfigured(f"{name} must be 64 hex digits (a 32-byte key)")
    return bytes.fromhex(raw)


# The archive's keyed hash (HMAC-SHA256) and the Ed25519 seed that signs its checkpoints; both
# kept off the database host's reach (a file readable by the app only, or a secrets manager).
ARCHIVE_HMAC_KEY = _archive_key("ARCHIVE_HMAC_KEY", archive_hmac_key_file())
ARCHIVE_CHECKPOINT_KEY = _archive_key("ARCHIVE_CHECKPOINT_KEY", archive_checkpoint_key_file())
if ARCHIVE_HMAC_KEY and ARCHIVE_HMAC_KEY == ARCHIVE_CHECKPOINT_KEY:
    raise ImproperlyConfigured("ARCHIVE_HMAC_KEY and ARCHIVE_CHECKPOINT_KEY must differ")
# Checkpoints: appended to a local file (embedded default), or, with a bucket, one object each in
# S3 with Object Lock in compliance mode (docs/compliance.md names the bucket settings).
ARCHIVE_CHECKPOINT_DIR = archive_checkpoint_dir()
ARCHIVE_CHECKPOINT_BUCKET = env_str("ARCHIVE_CHECKPOINT_BUCKET") or ""
if ARCHIVE_CHECKPOINT_BUCKET:
    STORAGES["archive_checkpoints"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ARCHIVE_CHECKPOINT_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "file_overwrite": False,
            # The bucket's default retention (Object Lock, COMPLIANCE mode) applies to every object.
            "object_parameters": {"ContentType": "application/json"},
        },
    }
ARCHIVE_CHECKPOINT_SECONDS = env_int("ARCHIVE_CHECKPOINT_SECONDS", 3600, minimum=60)

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
