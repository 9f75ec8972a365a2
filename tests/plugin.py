"""Loaded with `-p tests.plugin` (pyproject's addopts), before pytest-django sets Django up.

It prepares var/ the way manage.py does (settings only read; they write nothing). Under
pytest-xdist each worker process gets its own var dir (cache, media, key), file broker and Redis
database; pytest-django already gives each its own test database. Without this, two workers
would take each other's Celery tasks, clear each other's cache and overwrite each other's media."""

from __future__ import annotations

import os
import re
from collections.abc import Generator
from pathlib import Path

import pytest

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    index = int(_worker[2:])
    # Cache, media and the generated key live under the var dir: one per worker process.
    base = Path(os.environ.get("RM_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    os.environ["RM_VAR_DIR"] = str(base / f"test-{_worker}")
    if os.environ.get("RM_BROKER_DIR"):
        os.environ["RM_BROKER_DIR"] = f"{os.environ['RM_BROKER_DIR']}-{_worker}"
    redis_url = os.environ.get("REDIS_URL", "")
    match = re.match(r"^(redis://[^/]+)/(\d+)$", redis_url)
    if match:
        os.environ["REDIS_URL"] = f"{match.group(1)}/{max(int(match.group(2)) - index, 0)}"


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    # A wrapper runs before every plain implementation, pytest-django's (which sets Django up) too.
    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()
    return (yield)


def pytest_configure(config):
    # PBKDF2's 1,000,000 rounds are the point in production and pure waste in a test: every
    # factory user, login and seeded demo account would pay them.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The scaled pass runs with DJANGO_HTTPS=1 (its default), whose redirect to HTTPS would answer
    # every plain-HTTP test request with a 301: the test client stands where the TLS proxy hands
    # over. tests/web/test_security_headers.py checks the redirect and HSTS themselves.
    settings.SECURE_SSL_REDIRECT = False
