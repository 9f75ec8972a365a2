"""Configuration is read from the environment and is loud about nonsense."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from rm_portal.env import env_bool, env_int, env_list, env_str
from tests.settings_probe import settings_in_subprocess


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


def test_the_embedded_default_needs_no_variable(tmp_path):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "secret_key").exists()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert all((tmp_path / "broker" / sub).is_dir() for sub in ("queue", "processed", "control"))


def test_loading_the_settings_writes_no_file(tmp_path):
    var = tmp_path / "var"
    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(var), "DJANGO_SECRET_KEY": "a-long-enough-secret-key"}, prepare=False
    )
    assert run.returncode == 0, run.stderr
    assert not var.exists()


def test_embedded_without_its_generated_key_says_what_to_run(tmp_path):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path)}, prepare=False)
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr
    assert "manage.py migrate" in run.stderr and "DJANGO_SECRET_KEY" in run.stderr
    assert not (tmp_path / "secret_key").exists()


def test_prepare_embedded_keeps_the_key_it_made(tmp_path, monkeypatch):
    from rm_portal.bootstrap import prepare_embedded

    monkeypatch.setenv("RM_VAR_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "DJANGO_SECRET_KEY", "RM_BROKER_DIR", "STATIC_ROOT"):
        monkeypatch.delenv(name, raising=False)
    prepare_embedded()
    key = (tmp_path / "secret_key").read_text()
    prepare_embedded()
    assert (tmp_path / "secret_key").read_text() == key and len(key) >= 50


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_a_malformed_port_stops_start_up_naming_port(tmp_path, port):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), "PORT": port})
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and f"PORT={port}" in run.stderr.replace("'", "")


def test_serve_binds_where_host_and_port_say(tmp_path, settings):
    from django.core.management import load_command_class

    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), "PORT": "8123", "HOST": "192.0.2.1"}, show="s.SERVE_HOST, s.SERVE_PORT"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["192.0.2.1", "8123"]
    settings.SERVE_HOST, settings.SERVE_PORT = "192.0.2.1", 8123
    options = load_command_class("rm_portal.core", "serve").create_parser("manage.py", "serve").parse_args([])
    assert (options.host, options.port) == ("192.0.2.1", 8123)


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


def test_the_product_hashes_passwords_with_pbkdf2_whatever_the_tests_use(tmp_path):
    # The test plugin swaps in a fast hasher; the settings a deployment loads must not.
    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path)},
        show="__import__('django.contrib.auth.hashers', fromlist=['x']).get_hasher().algorithm",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "pbkdf2_sha256"


SCALED = {
    "DATABASE_URL": "postgres://bank@db.internal:5432/rm",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_SECRET_KEY": "a-long-enough-secret-key",
}
CELERY_CONF = (
    "__import__('rm_portal.celery', fromlist=['app']).app.conf.broker_transport_options, "
    "__import__('rm_portal.celery', fromlist=['app']).app.conf.task_acks_late, "
    "__import__('rm_portal.celery', fromlist=['app']).app.conf.task_reject_on_worker_lost"
)


def test_the_redis_broker_redelivers_a_lost_task_only_after_the_visibility_timeout(tmp_path):
    # kombu's default is one hour: a task killed mid-run waited an hour, and a task longer than an
    # hour ran twice. The worker acknowledges after the task and gives a lost one back.
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), **SCALED}, show=CELERY_CONF)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["{'visibility_timeout':", "10800}", "True", "True"]
    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), **SCALED, "CELERY_VISIBILITY_TIMEOUT_SECONDS": "21600"},
        show=CELERY_CONF,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[:2] == ["{'visibility_timeout':", "21600}"]


def test_a_visibility_timeout_shorter_than_the_longest_retry_stops_start_up(tmp_path):
    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), **SCALED, "CELERY_VISIBILITY_TIMEOUT_SECONDS": "60"}
    )
    assert run.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT_SECONDS" in run.stderr


def test_a_redis_cache_fails_fast_instead_of_hanging(tmp_path):
    run = settings_in_subprocess(
        {
            "RM_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://bank@db.internal:5432/rm",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "DJANGO_SECRET_KEY": "a-long-enough-secret-key",
            "CACHE_TIMEOUT_SECONDS": "3",
        },
        show="sorted(s.CACHES['default']['OPTIONS'].items())",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[('socket_connect_timeout', 3), ('socket_timeout', 3)]"
