"""API tokens: the sign-in of the phone app. An auth concern, kept out of the services, which
never import the REST framework; the services and the token view call these.

The chat gateway is a machine: it does not sign in with a password (so no stranger can lock it out
by failing its login) but with a long random key issued by `manage.py gateway_key`, sent as
`Authorization: Token gw_…`. Only the key's SHA-256 is stored; it never lapses; issuing a new one
replaces it."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rm_portal.org.models import GatewayKey, Role, Staff, StaffChange

GATEWAY_KEY_PREFIX = "gw_"


def token_issue(*, user: User) -> Token:
    """Reuse a live token so several devices stay signed in; replace a lapsed one."""
    token = Token.objects.filter(user=user).first()
    if token and timezone.now() - token.created <= settings.TOKEN_TTL:
        return token
    if token:
        token.delete()
    return Token.objects.create(user=user)


def token_revoke(*, user: User) -> None:
    """Every device of the person is signed out."""
    Token.objects.filter(user=user).delete()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def gateway_key_issue(*, staff: Staff, by: User | None = None) -> str:
    """A new key for a gateway account (the old one stops working); shown once, stored as a digest."""
    if staff.role != Role.GATEWAY or not staff.active:
        raise ValueError(f"{staff.user.username} is not an active gateway account")
    key = GATEWAY_KEY_PREFIX + secrets.token_urlsafe(32)
    GatewayKey.objects.update_or_create(user=staff.user, defaults={"digest": _digest(key)})
    token_revoke(user=staff.user)  # nothing but the key opens the account
    StaffChange.objects.create(by=by, whom=staff.user, what=StaffChange.What.GATEWAY_KEY, after="issued")
    return key


def gateway_key_user(key: str) -> User | None:
    """The active gateway account the key belongs to, or None."""
    if not key.startswith(GATEWAY_KEY_PREFIX):
        return None
    found = (
        GatewayKey.objects.select_related("user__staff")
        .filter(digest=_digest(key), user__staff__role=Role.GATEWAY, user__staff__active=True)
        .first()
    )
    return found.user if found and found.user.is_active else None
