"""Session authentication for the pages' own calls to the API, refusing a missing CSRF token in the
caller's language (DRF's own refusal is English and names Django internals)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular import authentication as spectacular_auth
from rest_framework import authentication, exceptions
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(_("CSRF 校验失败：请使用令牌认证，或带上 CSRF 令牌")) from None


class SessionScheme(spectacular_auth.SessionScheme):
    """The document describes it as the cookie session it is."""

    target_class = "rm_portal.api.session.SessionAuthentication"
