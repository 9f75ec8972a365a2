"""/sidebar/: the page WeCom's chat toolbar opens, and its 发送."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materials.selectors import material_for
from rm_portal.core.errors import DomainError
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.access import actionable
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom import selectors, sidebar
from rm_portal.wecom.client import WeComError, WeComUnavailable


def _panel(request: AuthedHttpRequest, external_userid: str) -> HttpResponse:
    follow = selectors.contact_to_bind_for(request.user, external_userid)  # the RM's own, or 404
    return render(
        request, "wecom/sidebar.html", {"panel": sidebar.sidebar_of(user=request.user, follow=follow)}
    )


@staff_page(Role.RM)
def sidebar_page(request: AuthedHttpRequest) -> HttpResponse:
    """With the simulator's signed context: the panel for that contact. Without: the JS-SDK shell,
    which asks WeCom for the current contact and opens its panel."""
    signed = request.GET.get("ctx", "")
    if signed:
        try:
            external_userid = sidebar.context_verify(signed=signed, user=request.user)
        except DomainError as error:
            return render(request, "wecom/sidebar.html", {"refused": str(error)}, status=403)
        return _panel(request, external_userid)
    config = None
    try:
        config = sidebar.agent_config(url=request.build_absolute_uri())
    except (DomainError, WeComError, WeComUnavailable):
        config = None  # WeCom not configured or not answering: the page says how to open it
    return render(request, "wecom/sidebar.html", {"agent_config": config})


@staff_page(Role.RM)
def sidebar_contact(request: AuthedHttpRequest, external_userid: str) -> HttpResponse:
    """Where the JS-SDK shell goes with getCurExternalContact's answer: only the RM's own contact."""
    return _panel(request, external_userid)


@require_POST
@staff_page(Role.RM)
def sidebar_send(request: AuthedHttpRequest, external_userid: str) -> HttpResponse:
    follow = selectors.contact_to_bind_for(request.user, external_userid)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        material = None
        opportunity = None
        if request.POST.get("material"):
            material = material_for(request.user, int(request.POST["material"]))
        if request.POST.get("opportunity"):
            opportunity = get_object_or_404(
                actionable(request.user, Opportunity.objects.select_related("rule")),
                pk=int(request.POST["opportunity"]),
            )
        payload = sidebar.sidebar_send(
            user=request.user,
            follow=follow,
            site=request.build_absolute_uri("/"),
            text=request.POST.get("text", ""),
            material=material,
            opportunity=opportunity,
        )
    except (ValueError, Http404):
        if wants_json:
            return JsonResponse({"detail": _("没有这项内容")}, status=404)
        raise Http404 from None
    except DomainError as error:
        if wants_json:
            return JsonResponse(error.as_dict(), status=error.status)
        show_error(request, error)
        return redirect("sidebar:sidebar-contact", external_userid)
    if wants_json:
        return JsonResponse(payload)
    messages.success(request, _("已记录。请在聊天中发送：%(what)s") % {"what": _describe(payload)})
    return redirect("sidebar:sidebar-contact", external_userid)


def _describe(payload: dict[str, object]) -> str:
    news = payload.get("news")
    if isinstance(news, dict):
        return str(news.get("link", ""))
    text = payload.get("text")
    return str(text.get("content", "")) if isinstance(text, dict) else ""
