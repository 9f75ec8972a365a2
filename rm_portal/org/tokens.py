"""API tokens: the sign-in of the phone app. An auth concern, kept out of the services, which
never import the REST framework; the services and the token view call these."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token


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
