"""Loaded with `-p tests.plugin`, before pytest-django sets Django up (so before settings are read).

Under pytest-xdist each worker process gets its own file broker and its own Redis database;
pytest-django already gives each its own test database. Without this, two workers would take
each other's Celery tasks, clear each other's cache and
overwrite each other's media."""

from __future__ import annotations

import os
import re
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    index = int(_worker[2:])
    # Cache, media and the generated key live under the var dir: one per worker process.
    base = Path(os.environ.get("RM_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    os.environ["RM_VAR_DIR"] = str(base / f"test-{_worker}")
    Path(os.environ["RM_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if os.environ.get("RM_BROKER_DIR"):
        os.environ["RM_BROKER_DIR"] = f"{os.environ['RM_BROKER_DIR']}-{_worker}"
    redis_url = os.environ.get("REDIS_URL", "")
    match = re.match(r"^(redis://[^/]+)/(\d+)$", redis_url)
    if match:
        os.environ["REDIS_URL"] = f"{match.group(1)}/{max(int(match.group(2)) - index, 0)}"


def pytest_configure(config):  # type: ignore[no-untyped-def]
    # PBKDF2's 1,000,000 rounds are the point in production and pure waste in a test: every
    # factory user, login and seeded demo account would pay them.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
