"""One client for WeCom's server API (https://qyapi.weixin.qq.com, or WECOM_API_BASE).

Each secret has its own access token: the 客户联系 secret (`contact_client()`) and the
application's (`app_client()`). A token is cached in Django's cache — shared by the web processes
and the workers — under a key per corp and secret, for WeCom's `expires_in` less a margin, so a
call never races the expiry.

What a call does when WeCom does not simply answer:

- a lapsed or revoked token (errcode 40014, 42001, 40001): the cached token is dropped, a fresh
  one fetched and the call made once more;
- too many calls (45009), a timeout or a refused connection: tried again after a bounded back-off
  (`attempts`, `backoff` doubling up to `longest_backoff`);
- any other errcode: `WeComError(errcode, errmsg, path)`, never swallowed — the task or job that
  made the call records it;
- an HTTP error status or an answer that is not WeCom's JSON: `WeComUnavailable`, at once (the
  caller's own retry, a task's back-off, is the place to wait for a broken gateway).

The standard library is enough for a handful of JSON calls (docs/decisions.md): http.client on one
kept-alive connection per process and thread, urllib when an egress proxy is configured.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# The access token lapsed (42001), is not valid (40014) or the secret's token was replaced (40001).
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RATE_LIMITED = 45009
TOKEN_MARGIN_SECONDS = 300
GETTOKEN = "/cgi-bin/gettoken"


class WeComError(Exception):
    """WeCom answered, and refused: its errcode and errmsg, and which call it was."""

    def __init__(self, errcode: int, errmsg: str, path: str) -> None:
        super().__init__(f"WeCom {path}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path


class WeComUnavailable(Exception):
    """WeCom could not be asked: unreachable, timed out, an HTTP error, not its JSON."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"WeCom {path}: {reason}")
        self.path = path
        self.reason = reason


class _Transient(Exception):
    """A timeout or a connection that failed: worth another try after a pause."""


@dataclass
class WeComClient:
    corp_id: str
    secret: str
    base: str = ""
    timeout: float = 0
    attempts: int = 3  # tries of one call for 45009, timeouts and connection errors
    backoff: float = 0.5  # seconds before the second try, doubled before each next one
    longest_backoff: float = 4.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        self.base = (self.base or settings.WECOM_API_BASE).rstrip("/")
        self.timeout = self.timeout or settings.WECOM_TIMEOUT_SECONDS

    # --- calls ------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return self._authorized("GET", path, params or {}, None)

    def post(self, path: str, body: dict[str, Any], params: dict[str, str] | None = None) -> dict[str, Any]:
        return self._authorized("POST", path, params or {}, body)

    # --- the access token -------------------------------------------------------------------
    @property
    def token_key(self) -> str:
        # The secret itself never becomes part of a cache key (keys show up in Redis' MONITOR).
        digest = hashlib.sha256(f"{self.corp_id}\0{self.secret}".encode()).hexdigest()[:24]
        return f"wecom:token:{self.corp_id}:{digest}"

    def access_token(self, *, fresh: bool = False) -> str:
        if not fresh:
            cached = cache.get(self.token_key)
            # The entry carries its own deadline: the cache's TTL is only housekeeping, and every
            # backend (a file, Redis, another process's clock) then agrees when a token lapses.
            if isinstance(cached, dict) and cached.get("until", 0) > time.time():
                return str(cached["token"])
        answer = self._call("GET", GETTOKEN, {"corpid": self.corp_id, "corpsecret": self.secret}, None)
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeComUnavailable(GETTOKEN, "the answer has no access_token")
        try:
            expires_in = int(answer.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200
        lifetime = max(expires_in - TOKEN_MARGIN_SECONDS, 60)
        cache.set(self.token_key, {"token": token, "until": time.time() + lifetime}, lifetime)
        return token

    def forget_token(self) -> None:
        cache.delete(self.token_key)

    def _authorized(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None
    ) -> dict[str, Any]:
        token = self.access_token()  # a refused gettoken is raised as it is: no refresh loop
        try:
            return self._call(method, path, {**params, "access_token": token}, body)
        except WeComError as error:
            if error.errcode not in TOKEN_ERRCODES:
                raise
            logger.info("WeCom %s: errcode %s, fetching a fresh access token", path, error.errcode)
            self.forget_token()
        return self._call(method, path, {**params, "access_token": self.access_token(fresh=True)}, body)

    # --- one call, with its retries -----------------------------------------------------------
    def _call(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None
    ) -> dict[str, Any]:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                answer = self._once(method, path, params, body)
            except _Transient as error:
                if last:
                    raise WeComUnavailable(path, str(error)) from error
                logger.info("WeCom %s: %s, trying again in %.1f s", path, error, delay)
            else:
                errcode = _errcode(answer, path)
                if errcode == 0:
                    return answer
                if errcode != RATE_LIMITED or last:
                    raise WeComError(errcode, str(answer.get("errmsg", "")), path)
                logger.info("WeCom %s: rate limited (45009), trying again in %.1f s", path, delay)
            self.sleep(delay)
            delay = min(delay * 2, self.longest_backoff)
        raise AssertionError("unreachable")  # pragma: no cover  (the last attempt returns or raises)

    def _once(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None
    ) -> dict[str, Any]:
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        raw = _send_via_proxy(url, method, data, path, self.timeout) if _proxied(url) else None
        if raw is None:
            raw = _send_kept(url, method, data, path, self.timeout)
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise WeComUnavailable(path, "the answer is not JSON") from error
        if not isinstance(answer, dict):
            raise WeComUnavailable(path, "the answer is not a JSON object")
        return answer


HEADERS = {"Content-Type": "application/json; charset=utf-8"}

# One kept-alive connection per process, thread and WeCom host: a campaign's burst of adds makes
# three calls per add, and a new TCP (and TLS) connection for each was most of a call's cost.
# Keyed by the process id too, so a connection opened before a fork is never shared with a child.
_kept = threading.local()


def _proxied(url: str) -> bool:
    """An egress proxy set in the environment (HTTPS_PROXY …) is honoured through urllib, as before."""
    parts = urllib.parse.urlsplit(url)
    return bool(urllib.request.getproxies().get(parts.scheme)) and not urllib.request.proxy_bypass(
        parts.hostname or ""
    )


def _send_via_proxy(url: str, method: str, data: bytes | None, path: str, timeout: float) -> bytes:
    request = urllib.request.Request(  # noqa: S310  (WECOM_API_BASE is checked to be http(s) in settings)
        url, data=data, method=method, headers=HEADERS
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        raise WeComUnavailable(path, f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, OSError):
            raise _Transient(f"{type(error.reason).__name__}: {error.reason}") from error
        raise WeComUnavailable(path, str(error.reason)) from error
    except (TimeoutError, ConnectionError) as error:
        raise _Transient(f"{type(error).__name__}: {error}") from error
    except http.client.HTTPException as error:
        raise WeComUnavailable(path, f"{type(error).__name__}: {error}") from error


def _connection(scheme: str, netloc: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """The kept connection to the host (made when there is none), and whether it was used before."""
    pool: dict[tuple[int, str, str], http.client.HTTPConnection] = _kept.__dict__.setdefault("pool", {})
    key = (os.getpid(), scheme, netloc)
    connection = pool.get(key)
    if connection is None:
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                netloc, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(netloc, timeout=timeout)
        pool[key] = connection
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
        return connection, True
    return connection, False


def _forget(scheme: str, netloc: str) -> None:
    pool: dict[tuple[int, str, str], http.client.HTTPConnection] = _kept.__dict__.get("pool", {})
    connection = pool.pop((os.getpid(), scheme, netloc), None)
    if connection is not None:
        connection.close()


def _send_kept(url: str, method: str, data: bytes | None, path: str, timeout: float) -> bytes:
    parts = urllib.parse.urlsplit(url)
    target = f"{parts.path}?{parts.query}"
    for _ in range(2):
        connection, reused = _connection(parts.scheme, parts.netloc, timeout)
        try:
            connection.request(method, target, body=data, headers=HEADERS)
            response = connection.getresponse()
            raw = response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
            _forget(parts.scheme, parts.netloc)
            if reused:  # the server closed the idle connection before reading: at once on a new one
                continue
            raise _Transient(f"{type(error).__name__}: {error}") from error
        except (TimeoutError, OSError) as error:  # a timeout, a refused or failed connection
            _forget(parts.scheme, parts.netloc)
            raise _Transient(f"{type(error).__name__}: {error}") from error
        except http.client.HTTPException as error:
            _forget(parts.scheme, parts.netloc)
            raise WeComUnavailable(path, f"{type(error).__name__}: {error}") from error
        if response.will_close:
            _forget(parts.scheme, parts.netloc)
        if response.status >= 400:
            raise WeComUnavailable(path, f"HTTP {response.status} {response.reason}")
        return bytes(raw)
    raise _Transient("the connection was closed twice")


def _errcode(answer: dict[str, Any], path: str) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError) as error:
        raise WeComUnavailable(path, f"errcode {answer.get('errcode')!r} is not a number") from error


def contact_client() -> WeComClient:
    """For 客户联系 (externalcontact/…): the customer-contact secret."""
    return WeComClient(corp_id=settings.WECOM_CORP_ID, secret=settings.WECOM_CONTACT_SECRET)


def app_client() -> WeComClient:
    """For the application (message/send, the sidebar's JS-SDK): the application's secret."""
    return WeComClient(corp_id=settings.WECOM_CORP_ID, secret=settings.WECOM_SECRET)
