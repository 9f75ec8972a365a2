from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from rm_portal.org.tokens import GATEWAY_KEY_PREFIX, gateway_key_user


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF tokens that lapse after TOKEN_TTL, and stop working when the person leaves; and the chat
    gateway's key (`gw_…`, `manage.py gateway_key`), which does not lapse."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token | None]:
        if key.startswith(GATEWAY_KEY_PREFIX):
            user = gateway_key_user(key)
            if user is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            return user, None
        user, token = super().authenticate_credentials(key)
        if timezone.now() - token.created > settings.TOKEN_TTL:
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录"))
        return user, token
