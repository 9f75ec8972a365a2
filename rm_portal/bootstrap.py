"""What the embedded run keeps on disk, and the one function that creates it.

Settings only read configuration; they write nothing when imported. The files and folders the
embedded default needs — var/ itself, the static root, the file broker's folders and the
generated secret key — are created by `prepare_embedded()`, which every entry point calls before
Django's settings load: manage.py, the WSGI module, the Celery app (when it is configured) and
pytest (through the `tests.plugin` plugin). The paths are decided here, once, and
settings read them from here.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from rm_portal.env import env_str

BASE_DIR = Path(__file__).resolve().parent.parent
BROKER_FOLDERS = ("queue", "processed", "control")


def var_dir() -> Path:
    return Path(env_str("RM_VAR_DIR") or BASE_DIR / "var")


def static_root() -> Path:
    return Path(env_str("STATIC_ROOT") or var_dir() / "static")


def broker_dir() -> Path:
    return Path(env_str("RM_BROKER_DIR") or var_dir() / "broker")


def secret_key_file() -> Path:
    return var_dir() / "secret_key"


def prepare_embedded() -> None:
    """Create what is missing; touch nothing that exists. Safe to call from every process."""
    var_dir().mkdir(parents=True, exist_ok=True)
    static_root().mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
    if not env_str("REDIS_URL"):
        for folder in BROKER_FOLDERS:
            (broker_dir() / folder).mkdir(parents=True, exist_ok=True)
    if not env_str("DATABASE_URL") and not env_str("DJANGO_SECRET_KEY"):
        _secret_key_create(secret_key_file())
    if not env_str("DATABASE_URL"):
        # The archive's keys live outside the database (docs/compliance.md); the embedded run
        # generates its own, scaled deployments must provide them.
        if not env_str("ARCHIVE_HMAC_KEY"):
            _secret_create(archive_hmac_key_file(), secrets.token_hex(32))
        if not env_str("ARCHIVE_CHECKPOINT_KEY"):
            _secret_create(archive_checkpoint_key_file(), secrets.token_hex(32))


def archive_hmac_key_file() -> Path:
    return var_dir() / "archive_hmac_key"


def archive_checkpoint_key_file() -> Path:
    return var_dir() / "archive_checkpoint_key"


def archive_checkpoint_dir() -> Path:
    return Path(env_str("ARCHIVE_CHECKPOINT_DIR") or var_dir() / "archive-checkpoints")


def _secret_create(path: Path, value: str) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value)


def _secret_key_create(path: Path) -> None:
    """The embedded run's own key, so no two laptops share one. Created readable by its owner only,
    and exclusively: two processes starting at once cannot write two different keys."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(50))
