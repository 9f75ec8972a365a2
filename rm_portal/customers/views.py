"""The phone pages: my customers, the portrait card, the import page, the handover page.

They call the same selectors and services as the API; only the rendering differs."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from materials.models import MarketingCategory
from rm_portal.core.errors import Conflict, DomainError
from rm_portal.core.models import Job
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.customers import selectors
from rm_portal.customers.forms import HandoverConfirmForm
from rm_portal.customers.import_template import ENCODINGS, indicator_list, template_csv
from rm_portal.customers.masking import mask_id_number, mask_phone
from rm_portal.customers.models import Customer, Handover, Holding, HoldingType
from rm_portal.customers.progress import PROGRESS_WORDS, job_progress
from rm_portal.customers.services.handover import handover_confirm, handover_kinds, handover_preview
from rm_portal.customers.services.imports import JOB_KIND, customers_import_upload
from rm_portal.customers.services.portraits import (
    NOTE_MAX_CHARS,
    customer_call,
    customer_note_add,
    portrait_access_record,
)
from rm_portal.matching.selectors import recommendations_for
from rm_portal.matching.services import recommendations_shown
from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.selectors import opportunity_list
from rm_portal.org.access import actionable
from rm_portal.org.handover import followups
from rm_portal.org.models import Role
from rm_portal.web import calls
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom.selectors import contacts_of_customer

PAGE_SIZE = 30
PICK_LIMIT = 20
OPEN_LIMIT = 10  # the open opportunities shown on a portrait; the inbox has the rest
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


def _consents(customer: Customer) -> list[dict[str, object]]:
    given = customer.consents if isinstance(customer.consents, dict) else {}
    return [
        {"code": code, "label": label, "given": given.get(code) is True}
        for code, label in MarketingCategory.choices
    ]


@staff_page(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def customer_detail(request: AuthedHttpRequest, cust_no: str) -> HttpResponse:
    """The hub: call, send, the open opportunities, a note, consent, and what to offer (§8)."""
    customer = selectors.customer_for(request.user, cust_no)
    portrait_access_record(user=request.user, customer=customer)
    portrait = selectors.portrait_of(customer=customer)
    holdings = [{"holding": h, "days": selectors.days_until(h.maturity_date)} for h in portrait.holdings]
    recommended = recommendations_for(request.user, customer, holdings=portrait.holdings, tags=portrait.tags)
    recommendations_shown(customer=customer, items=recommended)
    is_owner = customer.owner_id == request.user.pk
    opportunities = list(
        opportunity_list(user=request.user, status="open").filter(customer=customer)[:OPEN_LIMIT]
    )
    workable = (
        set(
            actionable(
                request.user, Opportunity.objects.filter(pk__in=[o.pk for o in opportunities])
            ).values_list("pk", flat=True)
        )
        if opportunities
        else set()
    )
    context = {
        "customer": customer,
        "portrait": portrait,
        "phone": mask_phone(customer.phone),
        "id_number": mask_id_number(customer.id_number),
        "holdings": holdings,
        "chart": holdings_chart(portrait.holdings),
        "groups": selectors.indicator_groups(portrait.indicators),
        "wecom_contacts": contacts_of_customer(user=request.user, customer=customer),
        "call_token": call_token(request.user, customer) if is_owner and customer.phone.strip() else "",
        "can_send": request.user.staff.role == Role.RM and is_owner,
        "can_note": request.user.staff.role in (Role.RM, Role.BRANCH_LEAD),
        "note_max": NOTE_MAX_CHARS,
        "consents": _consents(customer),
        "recommendations": recommended,
        "opportunities": [{"o": o, "workable": o.pk in workable} for o in opportunities],
        "outcomes": Opportunity.Outcome.choices,
    }
    return render(request, "customers/detail.html", context)


CALL_SALT = "customers.call"


def call_token(user: User, customer: Customer) -> str:
    return calls.call_token(salt=CALL_SALT, user=user, row=customer)


@require_GET
@staff_page(Role.RM)
def customer_call_page(request: AuthedHttpRequest, cust_no: str) -> HttpResponse:
    """Click-to-call from the portrait: the owner reveals the number (logged) and dials it."""
    customer = selectors.customer_to_work_for(request.user, cust_no)
    return calls.call_page(
        request,
        salt=CALL_SALT,
        user=request.user,
        row=customer,
        dial=lambda: customer_call(customer=customer, by=request.user),
        back=lambda: redirect("customers:detail", cust_no=cust_no),
    )


@require_POST
@staff_page(Role.RM, Role.BRANCH_LEAD)
def customer_note(request: AuthedHttpRequest, cust_no: str) -> HttpResponse:
    customer = selectors.customer_for(request.user, cust_no)
    try:
        customer_note_add(customer=customer, by=request.user, text=request.POST.get("text", ""))
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("跟进记录已保存"))
    return redirect(reverse("customers:detail", args=[cust_no]) + "#timeline")


@staff_page(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def customer_pick(request: AuthedHttpRequest) -> HttpResponse:
    """The picker without JavaScript: search, then each customer links back to `next` with
    `customer=<cust_no>` added. `next` must be a path of this site."""
    q = request.GET.get("q", "").strip()[:100]
    back = request.GET.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("materials:list")
    rows = []
    if q:
        for c in selectors.customer_list(user=request.user, q=q)[:PICK_LIMIT]:
            parts = urlsplit(back)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "customer"] + [("customer", c.cust_no)]
            rows.append(
                {
                    "customer": c,
                    "phone": mask_phone(c.phone),
                    "url": urlunsplit(("", "", parts.path, urlencode(query), "")),
                }
            )
    return render(request, "customers/pick.html", {"q": q, "next": back, "rows": rows})


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
