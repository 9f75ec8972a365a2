"""Outside delivery channels. In-app delivery is the Notification row itself.

A channel turns a notification into one push attempt. The WeCom channel sends an
application text message; with no corp id, secret or agent id configured it
records the exact payload it would have sent, so a demo shows what would happen.
A failed attempt says whether trying again may help (`retryable`): the network or a
busy WeCom may recover, a recipient outside the application's range will not.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache

from rm_portal.notifications.models import Delivery, Notification


@dataclass(frozen=True)
class Outcome:
    status: str  # Delivery.Status: SENT, RECORDED, SKIPPED or FAILED
    payload: dict[str, Any]
    response: str = ""
    retryable: bool = False  # for FAILED: may a later attempt succeed?


class Channel(Protocol):
    name: str

    def send(self, notification: Notification, wechat_id: str) -> Outcome: ...


# WeCom error codes a later attempt can get past: system busy, an access token that lapsed or was
# revoked (dropped from the cache, so the next attempt fetches a fresh one), too many calls.
RETRYABLE_ERRCODES = frozenset({-1, 40014, 42001, 45009, 45033})
TOKEN_ERRCODES = frozenset({40014, 42001})


class WeComError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode


class WeComChannel:
    name = "wecom"

    def configured(self) -> bool:
        return bool(settings.WECOM_CORP_ID and settings.WECOM_SECRET and settings.WECOM_AGENT_ID)

    def payload(self, notification: Notification, wechat_id: str) -> dict[str, Any]:
        content = (
            notification.title if not notification.body else f"{notification.title}\n{notification.body}"
        )
        return {
            "touser": wechat_id,
            "msgtype": "text",
            "agentid": settings.WECOM_AGENT_ID,
            "text": {"content": content[:2000]},
            "safe": 0,
        }

    def send(self, notification: Notification, wechat_id: str) -> Outcome:
        if not wechat_id:
            return Outcome(Delivery.Status.SKIPPED, {})
        payload = self.payload(notification, wechat_id)
        if not self.configured():
            return Outcome(Delivery.Status.RECORDED, payload)
        try:
            answer = self._call("/cgi-bin/message/send", payload, token=self._access_token())
        except WeComError as exc:
            if exc.errcode in TOKEN_ERRCODES:
                cache.delete(self._token_key())
            return Outcome(
                Delivery.Status.FAILED, payload, str(exc), retryable=exc.errcode in RETRYABLE_ERRCODES
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Unreachable, a timeout, an HTTP error page, an answer that is not WeCom's JSON.
            return Outcome(Delivery.Status.FAILED, payload, f"{type(exc).__name__}: {exc}", retryable=True)
        return Outcome(Delivery.Status.SENT, payload, json.dumps(answer, ensure_ascii=False))

    def _token_key(self) -> str:
        return f"wecom:token:{settings.WECOM_CORP_ID}:{settings.WECOM_AGENT_ID}"

    def _access_token(self) -> str:
        cache_key = self._token_key()
        token = cache.get(cache_key)
        if token:
            return str(token)
        query = urllib.parse.urlencode(
            {"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET}
        )
        answer = self._get(f"/cgi-bin/gettoken?{query}")
        token = str(answer["access_token"])
        # WeCom tokens live 7200 s; refresh a little early so a send never races the expiry.
        cache.set(cache_key, token, max(int(answer.get("expires_in", 7200)) - 300, 60))
        return token

    def _get(self, path: str) -> dict[str, Any]:
        return self._read(urllib.request.Request(settings.WECOM_API_BASE + path))  # noqa: S310  (scheme checked in settings)

    def _call(self, path: str, body: dict[str, Any], *, token: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310  (scheme checked in settings)
            f"{settings.WECOM_API_BASE}{path}?access_token={urllib.parse.quote(token)}",
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        return self._read(request)

    def _read(self, request: urllib.request.Request) -> dict[str, Any]:
        # WECOM_API_BASE is checked to be http(s) at start-up, so no file: or custom scheme gets here.
        with urllib.request.urlopen(request, timeout=settings.WECOM_TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read().decode("utf-8"))
        if not isinstance(answer, dict):
            raise ValueError("WeCom answered something other than a JSON object")
        if answer.get("errcode", 0) != 0:
            raise WeComError(int(answer.get("errcode", -1)), str(answer.get("errmsg", "")))
        return answer


def outside_channels() -> list[Channel]:
    return [WeComChannel()]
