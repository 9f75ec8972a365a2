"""A fixed-window rate counter: one round trip a request.

DRF's own throttles keep each caller's request times as a list in the cache and write it back on
every request (a read, a modify, a write: two round trips, and on Redis a race between processes).
Here a caller's requests in the current window are one counter: on Redis one pipelined
`SET NX EX` + `INCR` (atomic, one round trip, shared by every process); without Redis the
embedded default's file cache. A window allows at most `limit` requests, so at a window's edge a
caller may send up to twice the rate within a few seconds — the price of one round trip."""

from __future__ import annotations

import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache

_client: redis.Redis | None = None
_lock = threading.Lock()


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL,
                    socket_connect_timeout=settings.CACHE_TIMEOUT_SECONDS,
                    socket_timeout=settings.CACHE_TIMEOUT_SECONDS,
                )
    return _client


def _count(key: str, ttl: int) -> int:
    if settings.REDIS_URL:
        pipe = _redis().pipeline(transaction=False)
        pipe.set(key, 0, ex=ttl, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])
    try:
        return int(cache.incr(key))
    except ValueError:  # the window's first request
        cache.add(key, 1, ttl)
        return 1


def window_hit(key: str, *, limit: int, seconds: int) -> float | None:
    """Count one request of `key`; None while within `limit` per `seconds`, else the seconds until
    the window ends (the Retry-After). A cache failure propagates: the caller decides to fail open."""
    now = time.time()
    window = int(now // seconds)
    count = _count(f"rm:rate:{key}:{window}", seconds + 1)
    if count <= limit:
        return None
    return (window + 1) * seconds - now
