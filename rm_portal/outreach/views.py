"""群发 pages: the list (and compliance's approval queue), compose with a recipient preview, and a
task's results per RM. The same services as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materials.selectors import material_for
from rm_portal.core.errors import DomainError
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.access import role_of
from rm_portal.org.models import Role
from rm_portal.outreach import selectors
from rm_portal.outreach.forms import ComposeForm
from rm_portal.outreach.models import OutreachRecipient, OutreachTask
from rm_portal.outreach.services.outreach import outreach_approve, outreach_create, outreach_preview
from rm_portal.outreach.services.sending import outreach_poll_on_open, outreach_send
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error

SENDERS = (Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
REASON_LABELS = dict(OutreachRecipient.Reason.choices)


@staff_page(*SENDERS, Role.COMPLIANCE)
def outreach_list(request: AuthedHttpRequest) -> HttpResponse:
    role = role_of(request.user)
    status = OutreachTask.Status.PENDING_APPROVAL if role == Role.COMPLIANCE else ""
    tasks = selectors.outreach_list(user=request.user, status=request.GET.get("status", status))[:50]
    return render(
        request,
        "outreach/list.html",
        {"tasks": tasks, "is_compliance": role == Role.COMPLIANCE, "can_compose": role in SENDERS},
    )


def _arguments(request: AuthedHttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    material = None
    if data.get("material"):
        material = material_for(request.user, data["material"])
    selection = data["selection"]
    return {
        "text": data["text"],
        "selection": selection,
        "segment": data.get("segment") if selection == "segment" else None,
        "tags": (data.get("tags") or "").split() if selection == "tags" else [],
        "material": material,
        "category": data["category"],
    }


@staff_page(*SENDERS)
def outreach_compose(request: AuthedHttpRequest) -> HttpResponse:
    """Without JavaScript the 预览 button is the compliance check: it shows the hits and the
    recipients; 创建 stores the task. With it, the text is checked as it is typed."""
    form = ComposeForm(request.POST or None)
    preview: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            arguments = _arguments(request, form.cleaned_data)
            if "create" in request.POST:
                task = outreach_create(by=request.user, name=form.cleaned_data["name"], **arguments)
                messages.success(request, _("已创建群发“%(name)s”") % {"name": task.name})
                return redirect("outreach:outreach-detail", task.pk)
            resolution, checked = outreach_preview(by=request.user, **arguments)
            preview = {
                "recipients": resolution.recipients,
                "excluded": [(REASON_LABELS[k], n) for k, n in resolution.excluded.items()],
                "hits": checked["hits"],
                "needs_approval": resolution.cross_branch and role_of(request.user) == Role.HEAD_OFFICE,
            }
        except Http404:
            form.add_error(None, _("没有这个物料，或您不能使用"))
        except DomainError as error:
            show_error(request, error, form)
            hits = error.data.get("hits")
            if hits:
                preview = {"blocked": hits}
    return render(request, "outreach/compose.html", {"form": form, "preview": preview})


@staff_page(*SENDERS, Role.COMPLIANCE)
def outreach_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    task = selectors.outreach_for(request.user, pk)
    outreach_poll_on_open(task=task)
    task = selectors.outreach_for(request.user, pk)
    results = selectors.results_per_sender(task=task)
    role = role_of(request.user)
    return render(
        request,
        "outreach/detail.html",
        {
            "task": task,
            "results": results,
            "totals": selectors.totals(results),
            "excluded": [(REASON_LABELS[k], n) for k, n in (task.excluded or {}).items()],
            "can_send": task.created_by_id == request.user.pk and task.status == OutreachTask.Status.APPROVED,
            "can_approve": role == Role.COMPLIANCE
            and task.status == OutreachTask.Status.PENDING_APPROVAL
            and task.created_by_id != request.user.pk,
        },
    )


@require_POST
@staff_page(*SENDERS)
def outreach_send_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    task = selectors.outreach_for(request.user, pk)
    try:
        outreach_send(task=task, by=request.user, site=request.build_absolute_uri("/").rstrip("/"))
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已提交企业微信，请各客户经理在企业微信中确认发送"))
    return redirect("outreach:outreach-detail", pk)


@require_POST
@staff_page(Role.COMPLIANCE)
def outreach_approve_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    task = selectors.outreach_for(request.user, pk)
    try:
        outreach_approve(task=task, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已审批，创建人现在可以发送"))
    return redirect("outreach:outreach-detail", pk)
