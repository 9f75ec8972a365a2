"""API sign-in by token, and the per-process memory that spares the database on every request.

A token-authenticated request used to cost two queries before the view ran: the token with its
user, then the staff row (`staff_of`). Now it is one query — token, user, staff and branch joined —
and the answer is remembered in this process for `TOKEN_CACHE_SECONDS` (default 5). A sign-out, a
deactivation or a role change made in this process forgets everything at once (signals below); one
made in another process reaches this one within those seconds. 0 turns the memory off."""

from __future__ import annotations

import copy
import threading

from cachetools import TTLCache
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from rm_portal.org.models import Staff
from rm_portal.org.tokens import GATEWAY_KEY_PREFIX, gateway_key_user

_MAX_REMEMBERED = 20_000  # tokens of active people; each entry is a few KB
_lock = threading.Lock()
_remembered: TTLCache[str, Token] | None = None  # key -> token with its user, staff and branch loaded


def _memory() -> TTLCache[str, Token] | None:
    global _remembered
    seconds = settings.TOKEN_CACHE_SECONDS
    if not seconds:
        return None
    if _remembered is None or _remembered.ttl != seconds:
        _remembered = TTLCache(maxsize=_MAX_REMEMBERED, ttl=seconds)
    return _remembered


def forget_tokens(**_: object) -> None:
    """Every remembered sign-in of this process is read again from the database."""
    with _lock:
        if _remembered is not None:
            _remembered.clear()


# Anything that can end or change a sign-in: a token deleted or replaced, a person's user or staff
# row saved (deactivation, role, branch, password).
for _model in (Token, User, Staff):
    post_save.connect(forget_tokens, sender=_model, dispatch_uid=f"forget-tokens-save-{_model.__name__}")
    post_delete.connect(forget_tokens, sender=_model, dispatch_uid=f"forget-tokens-del-{_model.__name__}")


def _token(key: str) -> Token | None:
    with _lock:
        memory = _memory()
        token = memory.get(key) if memory is not None else None
    if token is None:
        token = Token.objects.select_related("user__staff__branch").filter(key=key).first()
        if token is None:
            return None
        with _lock:
            if memory is not None:
                memory[key] = token
    # Each request gets its own copy: a view that changes request.user must not change another's.
    return copy.deepcopy(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF tokens that lapse after TOKEN_TTL, and stop working when the person leaves; and the chat
    gateway's key (`gw_…`, `manage.py gateway_key`), which does not lapse."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token | None]:
        if key.startswith(GATEWAY_KEY_PREFIX):
            user = gateway_key_user(key)
            if user is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            return user, None
        token = _token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if timezone.now() - token.created > settings.TOKEN_TTL:
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录"))
        return token.user, token
