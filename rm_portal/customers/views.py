"""The phone pages: my customers, the portrait card, the import page, the handover page.

They call the same selectors and services as the API; only the rendering differs."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rm_portal.core.errors import Conflict, DomainError
from rm_portal.core.models import Job
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.customers import selectors
from rm_portal.customers.forms import HandoverConfirmForm
from rm_portal.customers.masking import mask_id_number, mask_phone
from rm_portal.customers.models import Handover, Holding, HoldingType
from rm_portal.customers.services.handover import handover_confirm, handover_kinds, handover_preview
from rm_portal.customers.services.imports import JOB_KIND, customers_import_upload
from rm_portal.customers.services.portraits import portrait_access_record
from rm_portal.org.handover import followups
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom.selectors import contacts_of_customer

PAGE_SIZE = 30
COLORS: dict[str, str] = {
    HoldingType.DEMAND: "#60a5fa",
    HoldingType.TIME_DEPOSIT: "#b4232a",
    HoldingType.WEALTH: "#f59e0b",
    HoldingType.FUND: "#10b981",
    HoldingType.INSURANCE: "#8b5cf6",
    HoldingType.LOAN: "#6b7280",
}


@staff_page(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def customer_list(request: AuthedHttpRequest) -> HttpResponse:
    chosen = [code for code in request.GET.getlist("tag") if code][:20]
    params = {
        "q": request.GET.get("q", "").strip()[:100],
        "segment": request.GET.get("segment", ""),
        "ordering": request.GET.get("ordering") or "cust_no",
    }
    try:
        customers = selectors.customer_list(user=request.user, tags=chosen, **params)
    except DomainError:
        messages.error(request, _("筛选条件无效"))
        return redirect("customers:list")
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    tags = list(selectors.tag_list())
    names = {tag.code: tag.name for tag in tags}

    def url_without(code: str) -> str:
        rest = [c for c in chosen if c != code]
        query = {k: v for k, v in {"q": params["q"], "segment": params["segment"]}.items() if v}
        return "?" + urlencode({**query, "tag": rest}, doseq=True)

    def page_url(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    context = {
        "page": page,
        "rows": [{"customer": c, "phone": mask_phone(c.phone)} for c in page.object_list],
        "params": params,
        "chips": [
            {"code": code, "name": names.get(code, code), "remove": url_without(code)} for code in chosen
        ],
        "tags": tags,
        "segments": selectors.segment_list(),
        "is_lead": request.user.staff.role != Role.RM,
        "prev_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
    }
    return render(request, "customers/list.html", context)


def holdings_chart(holdings: list[Holding]) -> dict[str, object]:
    """A stacked bar of the holdings mix, drawn server-side as SVG rectangles."""
    totals: dict[str, Decimal] = {}
    for holding in holdings:
        if holding.type != HoldingType.LOAN:
            totals[holding.type] = totals.get(holding.type, Decimal(0)) + holding.amount
    total = sum(totals.values(), Decimal(0))
    if total <= 0:
        return {"parts": []}
    parts: list[dict[str, object]] = []
    x = Decimal(0)
    for kind, amount in sorted(totals.items(), key=lambda item: -item[1]):
        width = amount / total * 100
        parts.append(
            {
                "label": HoldingType(kind).label,
                "amount": amount,
                "percent": round(width),
                "x": f"{x:.2f}",
                "width": f"{width:.2f}",
                "color": COLORS[kind],
            }
        )
        x += width
    return {"parts": parts, "total": total}


@staff_page(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def customer_detail(request: AuthedHttpRequest, cust_no: str) -> HttpResponse:
    customer = selectors.customer_for(request.user, cust_no)
    portrait_access_record(user=request.user, customer=customer)
    portrait = selectors.portrait_of(customer=customer)
    holdings = [{"holding": h, "days": selectors.days_until(h.maturity_date)} for h in portrait.holdings]
    context = {
        "customer": customer,
        "portrait": portrait,
        "phone": mask_phone(customer.phone),
        "id_number": mask_id_number(customer.id_number),
        "holdings": holdings,
        "chart": holdings_chart(portrait.holdings),
        "groups": selectors.indicator_groups(portrait.indicators),
        "wecom_contacts": contacts_of_customer(user=request.user, customer=customer),
    }
    return render(request, "customers/detail.html", context)


@staff_page(Role.HEAD_OFFICE)
def customer_import(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择 CSV 文件"))
            return redirect("customers:import")
        try:
            job = customers_import_upload(by=request.user, upload=upload)
        except DomainError as error:
            show_error(request, error)
            return redirect("customers:import")
        messages.success(request, _("已开始导入，可在下方查看进度"))
        return redirect(f"{request.path}?job={job.pk}")
    jobs = Job.objects.filter(owner=request.user, kind=JOB_KIND).order_by("-created_at")[:5]
    rows = [
        {
            "job": job,
            "percent": round(job.processed * 100 / job.total)
            if job.total
            else (100 if job.state == "done" else 0),
        }
        for job in jobs
    ]
    return render(request, "customers/import.html", {"jobs": rows})


@staff_page(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def handover(request: AuthedHttpRequest) -> HttpResponse:
    """Choose who leaves and who takes over; the branch's handover records below."""
    records = selectors.handover_list(request.user)[:20]
    return render(
        request,
        "customers/handover.html",
        {"people": selectors.leaver_list(request.user), "records": records, "modes": Handover.Mode.choices},
    )


def _preview_page(
    request: AuthedHttpRequest, leaver_name: str, to: str, mode: str, form: HandoverConfirmForm | None = None
) -> HttpResponse:
    leaver = selectors.leaver_for(request.user, leaver_name)
    try:
        preview = handover_preview(
            leaver=leaver, successor=selectors.successor_named(to), by=request.user.staff, mode=mode
        )
    except DomainError as error:
        show_error(request, error)
        return redirect("customers:handover")
    form = form or HandoverConfirmForm(
        initial={"leaver": leaver_name, "to": to, "mode": mode, "token": preview.token}
    )
    form.initial["token"] = preview.token  # always confirm the preview on this screen
    return render(request, "customers/handover_preview.html", {"preview": preview, "form": form})


@staff_page(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def handover_preview_page(request: AuthedHttpRequest) -> HttpResponse:
    leaver_name = request.GET.get("leaver", "")
    if not leaver_name:
        messages.error(request, _("请选择离职的客户经理"))
        return redirect("customers:handover")
    mode = request.GET.get("mode") or Handover.Mode.RESIGNED
    return _preview_page(request, leaver_name, request.GET.get("to", ""), mode)


@staff_page(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
@require_POST
def handover_confirm_page(request: AuthedHttpRequest) -> HttpResponse:
    form = HandoverConfirmForm(request.POST)
    leaver_name = request.POST.get("leaver", "")
    if not leaver_name:
        return redirect("customers:handover")
    leaver = selectors.leaver_for(request.user, leaver_name)
    successor = selectors.successor_named(request.POST.get("to", ""))
    if not form.is_valid() or not form.names(successor):
        return _preview_page(
            request, leaver_name, request.POST.get("to", ""), form.data.get("mode", ""), form
        )
    data = form.cleaned_data
    try:
        handover = handover_confirm(
            leaver=leaver, successor=successor, by=request.user.staff, token=data["token"], mode=data["mode"]
        )
    except Conflict as error:
        show_error(request, error)
        if Handover.objects.filter(token=data["token"]).exists():
            return redirect("customers:handover")
        # The book changed since the preview: show the new one to confirm again.
        return redirect(
            f"{reverse('customers:handover-preview')}?"
            + urlencode({"leaver": leaver_name, "to": data["to"], "mode": data["mode"]})
        )
    except DomainError as error:
        show_error(request, error)
        return redirect("customers:handover")
    messages.success(request, _("交接已完成"))
    return redirect("customers:handover-record", pk=handover.pk)


@staff_page(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def handover_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    record = selectors.handover_for(request.user, pk)
    return render(
        request,
        "customers/handover_record.html",
        {"record": record, "kinds": handover_kinds(record), "followups": followups(record.pk)},
    )
