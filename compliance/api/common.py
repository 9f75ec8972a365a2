"""What the compliance API modules share: text fields that refuse what cannot be stored, role
walls, per-user throttles, and the archive search's query parameters."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from compliance.selectors import SearchFilters
from rm_portal.api.fields import BankDateField
from rm_portal.api.inputs import validated
from rm_portal.core.ratelimit import window_hit
from rm_portal.org.access import role_of
from rm_portal.org.models import Role

READS = ("GET", "HEAD", "OPTIONS")


def printable(value: str) -> None:
    """Lone surrogates (JSON "\\ud800") and control characters cannot be stored or answered: 400."""
    if any(0xD800 <= ord(ch) <= 0xDFFF or (ord(ch) < 32 and ch not in "\n\r\t") for ch in value):
        raise ValidationError(_("含无效字符（孤立代理项或控制字符）"))


def text_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(validators=[printable], **kwargs)


logger = logging.getLogger(__name__)


class TermsPermission(BasePermission):
    """The lexicon. Read: compliance and head office; write: compliance."""

    message = "您的角色无权访问词库"

    def has_permission(self, request: Request, view: APIView) -> bool:
        role = role_of(request.user)
        if request.method in READS:
            return role in (Role.COMPLIANCE, Role.HEAD_OFFICE)
        return role == Role.COMPLIANCE


class IsRMOrGateway(BasePermission):
    """The archive. Upload: an RM (their own) or the gateway; search: RM, branch lead, compliance.
    Each wall says which of the two was refused."""

    message = "您的角色无权上传会话存档"

    def has_permission(self, request: Request, view: APIView) -> bool:
        role = role_of(request.user)
        if request.method == "POST":
            self.message = _("您的角色无权上传会话存档")
            return role in (Role.RM, Role.GATEWAY)
        self.message = _("您的角色无权检索会话存档")
        return role in (Role.RM, Role.BRANCH_LEAD, Role.COMPLIANCE)


class _PerUser(UserRateThrottle):
    """A per-user throttle (by user id; by address for the anonymous), its rate read from
    `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]` at each request — DRF's own class reads it
    once at import, so a changed setting would never apply — counted in fixed windows with one
    cache round trip (`rm_portal/core/ratelimit.py`). Over the rate: 429 `{"detail"}` in the
    caller's language, with `Retry-After`."""

    _wait: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None or self.num_requests is None or self.duration is None:
            return True
        try:
            self._wait = window_hit(key, limit=self.num_requests, seconds=self.duration)
        except (OSError, RedisError):  # the cache is down
            # A throttle protects the CPU; archiving must not depend on the cache. While the cache
            # is unreachable the request goes through unthrottled, and the outage is logged.
            logger.warning("throttle %s skipped: the cache is unavailable", self.scope, exc_info=True)
            return True
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str], api_settings.DEFAULT_THROTTLE_RATES)
        if self.scope not in rates:
            raise ImproperlyConfigured(f"no throttle rate configured for {self.scope!r}")
        return rates[str(self.scope)]


class CheckThrottle(_PerUser):
    """The compose-box check: every check costs a match over up to 64 K characters."""

    scope = "compliance_check"


class IngestThrottle(_PerUser):
    """Message uploads (POST) only: the archive search at the same address is not an upload."""

    scope = "compliance_ingest"

    def allow_request(self, request: Request, view: APIView) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class PageIn(serializers.Serializer[Any]):
    """The paginator's own parameters, validated with a list's filters (documented by the paginator)."""

    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class SearchIn(serializers.Serializer[Any]):
    q = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="literal text, matched against the normalised content (加 微 信 is found by 加微信)",
    )
    rm = serializers.CharField(max_length=150, required=False, allow_blank=True, help_text="RM username")
    customer = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="cust_no")
    branch = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text="branch code")
    since = BankDateField(required=False, allow_null=True)
    until = BankDateField(required=False, allow_null=True, help_text="inclusive, 2000-01-01 … 2099-12-31")
    category = serializers.CharField(max_length=32, required=False, allow_blank=True)
    has_hits = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_q(self, value: str) -> str:
        if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise ValidationError(_("检索词含无效字符"))
        return value


class SearchPageIn(SearchIn, PageIn):
    pass


def search_filters(params: Any, *, paged: bool) -> SearchFilters:
    """The archive search's filters from the query string; unknown parameters are a 400 (an
    unpaged answer, the export, ignores the paginator's)."""
    given = {k: v for k, v in params.items() if paged or k not in PageIn._declared_fields}
    data = validated(SearchPageIn if paged else SearchIn, given)
    data.pop("page", None)
    data.pop("page_size", None)
    return SearchFilters(**{k: v for k, v in data.items() if v is not None})
