"""The phone pages: the RM's inbox and detail, the lead's review queue, the stats page.

They call the same selectors and services as the API; only the rendering differs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rm_portal.core.errors import Conflict
from rm_portal.customers.masking import mask_phone
from rm_portal.opportunities import selectors
from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.execution import opportunity_complete, opportunity_review
from rm_portal.org.access import staff_of
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error

PAGE_SIZE = 30
TABS = [
    ("open", gettext_lazy("待处理")),
    ("overdue", gettext_lazy("已逾期")),
    ("done", gettext_lazy("已完成")),
]


@staff_page(Role.RM, Role.BRANCH_LEAD)
def inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in selectors.STATUSES:
        status = "open"
    page = Paginator(selectors.opportunity_list(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "status": status,
        "status_tabs": [{"key": key, "label": label} for key, label in TABS],
        "page": page,
        "rows": [{"o": o, "reason": selectors.reason_words(o.reason)} for o in page.object_list],
        "counts": selectors.my_counts(user=request.user),
        "is_lead": staff_of(request.user).role == Role.BRANCH_LEAD,
    }
    return render(request, "opportunities/inbox.html", context)


def _can_complete(request: HttpRequest, opportunity: Opportunity) -> bool:
    try:
        selectors.opportunity_for_assignee(user=request.user, pk=opportunity.pk)
    except Http404:
        return False
    return opportunity.status == Opportunity.Status.OPEN


@staff_page(Role.RM, Role.BRANCH_LEAD)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_for(user=request.user, pk=pk)
    can_complete = _can_complete(request, opportunity)
    context = {
        "o": opportunity,
        "phone": mask_phone(opportunity.customer.phone),
        # The one who must call gets the number in the tel: link; everyone else sees it masked.
        "tel": opportunity.customer.phone if can_complete else "",
        "reason": selectors.reason_words(opportunity.reason),
        "can_complete": can_complete,
        "can_review": staff_of(request.user).role == Role.BRANCH_LEAD
        and opportunity.status == Opportunity.Status.DONE,
        "outcomes": Opportunity.Outcome.choices,
    }
    return render(request, "opportunities/detail.html", context)


@require_POST
@staff_page(Role.RM, Role.BRANCH_LEAD)
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_for_assignee(user=request.user, pk=pk)
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "").strip()[:2000]
    raw_amount = request.POST.get("amount", "").strip().replace(",", "")
    try:
        amount = Decimal(raw_amount).quantize(Decimal("0.01")) if raw_amount else None
        if amount is not None and not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        messages.error(request, _("金额格式不正确"))
        return redirect("opportunities:detail", pk=pk)
    try:
        opportunity_complete(
            opportunity=opportunity, by=request.user, outcome=outcome, note=note, amount=amount
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("opportunities:detail", pk=pk)
    except Conflict as error:
        show_error(request, error)
        return redirect("opportunities:detail", pk=pk)
    messages.success(request, _("已记录结果"))
    return redirect("opportunities:inbox")


@staff_page(Role.BRANCH_LEAD)
def review_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.review_queue(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"o": o, "reason": selectors.reason_words(o.reason)} for o in page.object_list]
    return render(request, "opportunities/review.html", {"page": page, "rows": rows})


@require_POST
@staff_page(Role.BRANCH_LEAD)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_for(user=request.user, pk=pk)
    verdict = request.POST.get("accurate")
    if verdict not in ("1", "0"):
        messages.error(request, _("请选择准确或不准确"))
        return redirect("opportunities:review")
    try:
        opportunity_review(
            opportunity=opportunity,
            by=request.user,
            accurate=verdict == "1",
            comment=request.POST.get("comment", "").strip()[:500],
        )
    except Conflict as error:
        show_error(request, error)
        return redirect("opportunities:review")
    messages.success(request, _("检视已保存"))
    return redirect("opportunities:review")


def conversion_chart(rows: list[dict]) -> dict:
    """Horizontal bars of conversion rate by rule, as SVG drawn on the server (viewBox 300 wide:
    rule names on the left, the bar, the percentage on the right)."""
    bar, gap, offset, width = 12, 6, 100, 160
    bars = []
    for i, row in enumerate(rows):
        rate = row["conversion_rate"] or 0
        bars.append(
            {
                "name": row["name"],
                "y": i * (bar + gap),
                "text_y": i * (bar + gap) + bar - 2,
                "width": f"{rate * width:.1f}",
                "percent": f"{rate * 100:.0f}%",
            }
        )
    return {
        "bars": bars,
        "height": max(len(rows) * (bar + gap), bar),
        "bar": bar,
        "offset": offset,
        "width": width,
        "percent_x": offset + width + 6,
    }


@staff_page(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def stats(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    scope_name = request.GET.get("scope", "branch")
    if scope_name not in ("branch", "bank"):
        scope_name = "branch"
    rules = []
    if staff.role != Role.RM:
        rules = [row for row in selectors.rules_stats(user=request.user) if row["generated"]]
        rules.sort(key=lambda r: -(r["conversion_rate"] or 0))
    context = {
        "rules": rules,
        "chart": conversion_chart(rules),
        "scope": scope_name,
        "board": selectors.leaderboard(branch_id=staff.branch_id if scope_name == "branch" else None),
    }
    return render(request, "opportunities/stats.html", context)
