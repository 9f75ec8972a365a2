"""Load the settings in a fresh process, as a deployment would, and print what they decided.

Every settings test goes through this one function: the process starts with none of this machine's
configuration variables (so a CI's DATABASE_URL cannot leak in), with only the ones a test gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Variables the settings read; none reaches the probe unless the test passes it.
CONFIGURATION = (
    "DJANGO_",
    "DATABASE_URL",
    "REDIS_URL",
    "RM_",
    "PORT",
    "HOST",
    "COMPLIANCE_",
    "WECOM_",
    "CACHE_",
    "ARCHIVE_",
)
# A scaled deployment must hold the archive's keys; tests about something else get these unless
# they give their own (an empty string: the variable unset).
ARCHIVE_KEYS = {"ARCHIVE_HMAC_KEY": "1" * 64, "ARCHIVE_CHECKPOINT_KEY": "2" * 64}


def settings_in_subprocess(
    env: dict[str, str],
    *,
    prepare: bool = True,
    show: str = "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL",
) -> subprocess.CompletedProcess[str]:
    """`print(<show>)` with the settings as `s`, after `prepare_embedded()` as every entry point
    does (manage.py, wsgi, Celery, pytest), or without it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION)}
    code = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='rm_portal.settings'; "
        + ("from rm_portal.bootstrap import prepare_embedded; prepare_embedded(); " if prepare else "")
        + "django.setup(); "
        f"from django.conf import settings as s; print({show})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            k: v
            for k, v in {**clean, **_archive_keys(env), **env}.items()
            if v != "" or not k.startswith("ARCHIVE_")
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _archive_keys(env: dict[str, str]) -> dict[str, str]:
    return ARCHIVE_KEYS if "DATABASE_URL" in env else {}
