"""The phone pages: my customers, the portrait card, the import page, the handover page.

They call the same selectors and services as the API; only the rendering differs."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rm_portal.core.errors import DomainError
from rm_portal.core.models import Job
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.customers import selectors
from rm_portal.customers.import_template import ENCODINGS, indicator_list, template_csv
from rm_portal.customers.masking import mask_id_number, mask_phone
from rm_portal.customers.models import Holding, HoldingType
from rm_portal.customers.progress import PROGRESS_WORDS, job_progress
from rm_portal.customers.services.handover import staff_handover
from rm_portal.customers.services.imports import JOB_KIND, customers_import_upload
from rm_portal.customers.services.portraits import portrait_access_record
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error

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
        {"job": job, "progress": job_progress(state=job.state, processed=job.processed, total=job.total)}
        for job in jobs
    ]
    return render(
        request,
        "customers/import.html",
        {"jobs": rows, "indicators": list(indicator_list()), "progress_words": PROGRESS_WORDS},
    )


@staff_page(Role.HEAD_OFFICE)
def customer_import_template(request: AuthedHttpRequest) -> HttpResponse:
    encoding = request.GET.get("encoding", "utf-8")
    if encoding not in ENCODINGS:
        raise Http404
    response = HttpResponse(template_csv(encoding), content_type=f"text/csv; charset={ENCODINGS[encoding]}")
    response["Content-Disposition"] = f'attachment; filename="customer-import-template-{encoding}.csv"'
    return response


@staff_page(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def handover(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        username = request.POST.get("leaver", "")
        if not username:
            messages.error(request, _("请选择离职的客户经理"))
            return redirect("customers:handover")
        leaver = selectors.leaver_for(request.user, username)
        successor = selectors.successor_named(request.POST.get("to", ""))
        try:
            moved = staff_handover(leaver=leaver, successor=successor, by=request.user.staff)
        except DomainError as error:
            show_error(request, error)
            return redirect("customers:handover")
        summary = "，".join(f"{name} {count}" for name, count in moved.items()) or "0"
        messages.success(
            request, _("%(name)s 已交接并停用账号：%(summary)s") % {"name": leaver.name, "summary": summary}
        )
        return redirect("customers:handover")
    return render(request, "customers/handover.html", {"people": selectors.leaver_list(request.user)})
