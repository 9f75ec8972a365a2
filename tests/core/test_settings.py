"""Configuration is read from the environment and is loud about nonsense."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rm_portal.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_env_helpers_read_and_reject(monkeypatch, tmp_path):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_NUM", "12a")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1, minimum=1)
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"


def settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rm_portal.settings'; django.setup(); "
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_embedded_default_needs_no_variable(tmp_path):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "secret_key").exists()


def test_scaled_settings_come_from_database_url_and_redis_url(tmp_path):
    run = settings_in_subprocess(
        {
            "RM_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://bank@db.internal:5432/rm",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "DJANGO_SECRET_KEY": "a-long-enough-secret-key",
        }
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["django.db.backends.postgresql", "redis://cache.internal:6379/0"]


def test_scaled_without_a_secret_key_refuses_to_start(tmp_path):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://bank@db/rm"})
    assert run.returncode != 0
    assert "DJANGO_SECRET_KEY" in run.stderr


def test_scaled_with_debug_on_refuses_to_start(tmp_path):
    run = settings_in_subprocess(
        {
            "RM_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://bank@db/rm",
            "DJANGO_SECRET_KEY": "a-long-enough-secret-key",
            "DJANGO_DEBUG": "1",
        }
    )
    assert run.returncode != 0
    assert "DJANGO_DEBUG" in run.stderr


def test_a_malformed_variable_stops_start_up(tmp_path):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "sometimes"})
    assert run.returncode != 0
    assert "DJANGO_DEBUG" in run.stderr
