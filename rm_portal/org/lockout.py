"""Login throttling: what a locked-out person sees (JSON for the API, a page that says why for
people), and how failures are counted."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("登录失败次数过多，账户已临时锁定，请 %(minutes)d 分钟后再试或联系管理员。") % {
        "minutes": minutes
    }
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked"}, status=429)
    return render(request, "registration/locked.html", {"message": message}, status=429)


class LoginAttempts(AxesDatabaseHandler):
    """django-axes' database handler with two limits instead of one.

    AXES_LOCKOUT_PARAMETERS is `[["username", "ip_address"], "ip_address"]`: failures are counted per
    (account, client) and per client across accounts. A person is locked only on the client that
    failed (a stranger elsewhere cannot lock them out), at AXES_FAILURE_LIMIT; a client trying one
    password on many accounts is locked at LOGIN_IP_FAILURE_LIMIT, higher because a branch's staff
    share one egress address. Axes compares one count with one limit, so the per-client count is
    scaled onto it: `ip * limit // ip_limit >= limit` exactly when `ip >= ip_limit`.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        per_account, per_client = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        return max(per_account, per_client * limit // settings.LOGIN_IP_FAILURE_LIMIT)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A right password clears that account's failures on that client only: signing in to one's
        own account must not wipe the count of a client spraying guesses at others."""
        per_account = self.filter_user_attempts(request, credentials)[0]
        count, _deleted = per_account.delete()
        return count
