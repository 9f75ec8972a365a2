"""The cache spares queries; it is never needed to archive. With Redis gone (nothing listens on
the cache's port), uploads are stored and checked against the lexicon all the same."""

from __future__ import annotations

import pytest
from django.test import TestCase

from compliance.models import Alert, Message
from rm_portal.core.models import Job
from rm_portal.org.models import Role
from tests.compliance.factories import demo_terms, item
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/messages/"
NOWHERE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


@pytest.fixture
def cache_down(settings):
    demo_terms()  # written while the cache still answers
    settings.CACHES = NOWHERE
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises: it is really down
        cache.get("anything")


def test_an_upload_is_archived_while_the_cache_is_down(api, gateway, rm01a, cache_down):
    r = api(gateway).post(
        URL, {"messages": [item("rm01a", "这款产品保本"), item("rm01a", "你好")]}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["stored"] == 2 and r.json()["hits"] == 1
    assert Message.objects.count() == 2 and Alert.objects.count() == 1


def test_a_worker_batch_is_archived_while_the_cache_is_down(api, gateway, rm01a, cache_down, settings):
    settings.COMPLIANCE_SYNC_BATCH = 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api(gateway).post(URL, {"messages": [item("rm01a", f"保本{i}") for i in range(3)]}, format="json")
    assert r.status_code == 202
    assert Job.objects.get(pk=r.json()["job"]).state == Job.State.DONE
    assert Message.objects.count() == 3 and Alert.objects.count() == 3


def test_a_lexicon_edit_is_saved_while_the_cache_is_down(api, compliance, cache_down):
    r = api(compliance).post(
        "/api/v1/compliance/terms/",
        {"term": "稳赚不赔", "category": "承诺收益", "severity": "block"},
        format="json",
    )
    assert r.status_code == 201, r.content
    check = api(compliance).post("/api/v1/compliance/check/", {"text": "这个产品稳赚不赔"}, format="json")
    assert check.json()["allowed"] is False


@pytest.fixture
def cache_hung(settings):
    """A "Redis" that accepts connections and never answers: a hang, not a refusal."""
    import socket
    import threading

    demo_terms()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    # The same options settings.py gives a Redis cache (CACHE_TIMEOUT_SECONDS), shortened.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
        }
    }
    yield
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_an_upload_is_archived_while_the_cache_hangs(api, gateway, rm01a, cache_hung):
    r = api(gateway).post(URL, {"messages": [item("rm01a", "这款产品保本")]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["stored"] == 1 and r.json()["hits"] == 1
