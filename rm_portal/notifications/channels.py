"""Outside delivery channels. In-app delivery is the Notification row itself.

A channel turns a notification into one push attempt. The WeCom channel sends an
application text message through the shared WeCom client (rm_portal.wecom.client); with no corp
id, secret or agent id configured it records the exact payload it would have sent, so a demo shows
what would happen.
A failed attempt says whether trying again may help (`retryable`): the network or a
busy WeCom may recover, a recipient outside the application's range will not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from rm_portal.notifications.models import Delivery, Notification
from rm_portal.wecom.client import WeComError, WeComUnavailable, app_client


@dataclass(frozen=True)
class Outcome:
    status: str  # Delivery.Status: SENT, RECORDED, SKIPPED or FAILED
    payload: dict[str, Any]
    response: str = ""
    retryable: bool = False  # for FAILED: may a later attempt succeed?


class Channel(Protocol):
    name: str

    def send(self, notification: Notification, wechat_id: str) -> Outcome: ...


# WeCom error codes a later attempt can get past: system busy, a token WeCom still refused after the
# client fetched a fresh one, too many calls (the client already waited a little).
RETRYABLE_ERRCODES = frozenset({-1, 40014, 42001, 45009, 45033})


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
            answer = app_client().post("/cgi-bin/message/send", payload)
        except WeComError as exc:
            return Outcome(
                Delivery.Status.FAILED, payload, str(exc), retryable=exc.errcode in RETRYABLE_ERRCODES
            )
        except WeComUnavailable as exc:
            # Unreachable, a timeout, an HTTP error page, an answer that is not WeCom's JSON.
            return Outcome(Delivery.Status.FAILED, payload, str(exc), retryable=True)
        return Outcome(Delivery.Status.SENT, payload, json.dumps(answer, ensure_ascii=False))


def outside_channels() -> list[Channel]:
    return [WeComChannel()]
