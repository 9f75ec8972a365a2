"""The RM's own 联系我 code where people see it: the 我的 page (make it, see it) and the business
card of the landing page (its image, behind a live share token). Pages never wait on WeCom to show
a code that does not exist yet: making one is a button on 我的."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from materials.selectors import live_share
from rm_portal.core.errors import DomainError, Unavailable
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom.contact_ways import (
    contact_way_of_rm,
    contact_way_png,
    existing_contact_way,
    wecom_contact_configured,
)
from rm_portal.wecom.models import ContactWay


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@staff_page(Role.RM)
@require_POST
def me_code_make(request: AuthedHttpRequest) -> HttpResponse:
    try:
        contact_way_of_rm(user=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("联系我二维码已生成，客户扫码即可添加您的企业微信"))
    return redirect("web:me")


@staff_page(Role.RM)
@require_GET
def me_code_image(request: AuthedHttpRequest) -> HttpResponse:
    way = existing_contact_way(user=request.user)
    return _code_png(request, way)


def landing_code_image(request: HttpRequest, token: str) -> HttpResponse:
    """The RM's own code on the business card: public, but only behind a live share token."""
    share = live_share(token)
    way = existing_contact_way(user=share.rm) if share is not None and wecom_contact_configured() else None
    return _code_png(request, way)


def _code_png(request: HttpRequest, way: ContactWay | None) -> HttpResponse:
    if way is None:
        return render(request, "materials/landing_404.html", status=404)
    try:
        return _png(contact_way_png(way=way))
    except Unavailable:
        return HttpResponse(status=503)  # an <img> shows its alt text; the page itself stays up
