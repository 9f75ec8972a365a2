"""Click-to-call from a page: a signed link, then the dialler.

The call button is a plain link (a form posting to a redirect to tel: is stopped by the CSP's
form-action 'self'), so the link carries its own proof instead of the CSRF token: signed for this
person and this row, short-lived, so a link found elsewhere cannot reveal a number in their name.
The portrait (a customer) and the opportunity page (an opportunity) both call through here."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.models import User
from django.core import signing
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from rm_portal.core.errors import DomainError
from rm_portal.web.errors import show_error

CALL_TOKEN_MAX_AGE = 15 * 60  # seconds: long enough to read the script before dialling


class TelRedirect(HttpResponseRedirect):
    """A redirect to the phone's dialler (Django's redirect allows only http, https and ftp)."""

    allowed_schemes = ["tel"]


def call_token(*, salt: str, user: User, row: Model) -> str:
    return signing.TimestampSigner(salt=salt).sign(f"{user.pk}:{row.pk}")


def _valid(token: str, *, salt: str, user: User, row: Model) -> bool:
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=CALL_TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return False
    return value == f"{user.pk}:{row.pk}"


def call_page(
    request: HttpRequest,
    *,
    salt: str,
    user: User,
    row: Model,
    dial: Callable[[], str],
    back: Callable[[], HttpResponse],
) -> HttpResponse:
    """Check the link's token, reveal the number through `dial()` (the service that logs it), and
    send the phone to its dialler; an expired link or a refusal goes `back()` with the reason."""
    if not _valid(request.GET.get("t", ""), salt=salt, user=user, row=row):
        messages.error(request, _("拨号链接已过期，请再点一次“拨打电话”"))
        return back()
    try:
        tel = dial()
    except DomainError as error:
        show_error(request, error)
        return back()
    response = TelRedirect(tel)
    response["Cache-Control"] = "no-store"
    return response
