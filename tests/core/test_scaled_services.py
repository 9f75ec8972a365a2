"""Checks that the scaled pass really ran on PostgreSQL and Redis, not on a fallback."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.conftest import need


@pytest.mark.postgres
def test_the_scaled_pass_runs_on_postgresql(db):
    need(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"


@pytest.mark.redis
def test_the_cache_is_redis_and_holds_chinese(db):
    need(bool(settings.REDIS_URL), "REDIS_URL is not set")
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
    cache.set("客户", {"姓名": "张三"}, 30)
    assert cache.get("客户") == {"姓名": "张三"}
