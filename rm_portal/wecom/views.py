"""`/wecom/callback/`: where WeCom pushes its events (企业微信回调). No login: the signature is the
credential, and nothing is looked at before it is checked.

GET is WeCom's URL verification (the decrypted `echostr`, as text). POST is an encrypted event:
stored once (the same event twice changes nothing) and handled by the worker; the answer is
`success` at once, well within WeCom's 5 s.

Refusals, in the order they are decided:
- a POST body over `MAX_BODY_BYTES`: 413, before it is parsed;
- not configured, no valid signature over the `<Encrypt>` (or `echostr`) — including a body that
  has none to check — 403;
- a timestamp more than `REPLAY_WINDOW` away from now: 403 (a replay);
- signed, but not decryptable, for another corp, or not XML inside: 400.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rm_portal.core.errors import Invalid
from rm_portal.wecom import crypto
from rm_portal.wecom.envelope import MalformedXml, encrypted_of
from rm_portal.wecom.services import callback_event_receive

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 300
# WeCom's events are a few kilobytes; anything near this is not WeCom, and is not parsed at all.
MAX_BODY_BYTES = 256 * 1024


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _open(request: HttpRequest, encrypted: str | None) -> bytes:
    """The plaintext of `encrypted`, once its signature and timestamp are checked."""
    token, aes_key, corp_id = (
        settings.WECOM_CALLBACK_TOKEN,
        settings.WECOM_CALLBACK_AES_KEY,
        settings.WECOM_CORP_ID,
    )
    if not (token and aes_key and corp_id):
        raise Refused(403, "the callback is not configured")
    timestamp, nonce = request.GET.get("timestamp", ""), request.GET.get("nonce", "")
    given = request.GET.get("msg_signature", "")
    if encrypted is None or not crypto.signature_valid(token, timestamp, nonce, encrypted, given):
        raise Refused(403, "bad signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(403, f"timestamp {timestamp[:20]!r} is not a number") from None
    if abs(timezone.now().timestamp() - sent_at) > REPLAY_WINDOW_SECONDS:
        raise Refused(403, f"timestamp {sent_at} is outside the window (a replay?)")
    try:
        return crypto.decrypt(encrypted, aes_key=aes_key, corp_id=corp_id)
    except crypto.WrongReceiver:
        raise Refused(400, "the payload is for another corp") from None
    except crypto.CallbackError as error:
        raise Refused(400, f"the payload cannot be decrypted: {error}") from None


def _refused(request: HttpRequest, refusal: Refused) -> HttpResponse:
    logger.warning(
        "WeCom callback %s from %s refused (%s): %s",
        request.method,
        request.META.get("REMOTE_ADDR", "?"),
        refusal.status,
        refusal.reason,
    )
    words = {403: "forbidden", 413: "too large"}.get(refusal.status, "bad request")
    return _text(words, refusal.status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    try:
        if request.method == "GET":
            return _text(_open(request, request.GET.get("echostr")).decode("utf-8", errors="replace"))
        if len(request.body) > MAX_BODY_BYTES:
            raise Refused(413, f"a body of {len(request.body)} bytes")
        try:
            encrypted: str | None = encrypted_of(request.body)
        except MalformedXml:
            encrypted = None  # nothing a signature could cover: refused as unsigned
        plain = _open(request, encrypted)
        try:
            event, created = callback_event_receive(plain=plain, corp_id=settings.WECOM_CORP_ID)
        except Invalid as error:
            raise Refused(400, error.message) from None
    except Refused as refusal:
        return _refused(request, refusal)
    logger.info("WeCom callback: event %s %s (%s)", event.pk, event, "new" if created else "again")
    return _text("success")
