"""The phone pages: the RM's inbox and detail, the lead's review queue, the stats page.

They call the same access functions, selectors and services as the API; only the rendering differs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rm_portal.core.errors import DomainError, Invalid
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.customers.masking import mask_phone
from rm_portal.matching.selectors import recommendations_for
from rm_portal.matching.services import recommendations_shown
from rm_portal.opportunities import selectors, triage
from rm_portal.opportunities.models import Opportunity, RuleKind
from rm_portal.opportunities.services.execution import (
    AMOUNT_RANGE,
    MAX_AMOUNT,
    opportunity_call,
    opportunity_complete,
    opportunity_review,
)
from rm_portal.org.models import Role
from rm_portal.web import calls
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error

PAGE_SIZE = 30
TABS = [
    ("open", gettext_lazy("待处理")),
    ("overdue", gettext_lazy("已逾期")),
    ("done", gettext_lazy("已完成")),
]


class AmountField(forms.DecimalField):
    """An amount as a branch types it: `1,000` is a thousand."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(value.replace(",", "") if isinstance(value, str) else value)


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(choices=Opportunity.Outcome.choices)
    note = forms.CharField(max_length=2000, required=False)
    amount = AmountField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        error_messages={
            "invalid": gettext_lazy("金额格式不正确"),
            "max_value": AMOUNT_RANGE,
            "min_value": AMOUNT_RANGE,
        },
    )


class ReviewForm(forms.Form):
    accurate = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("准确")), ("0", gettext_lazy("不准确"))],
        coerce=lambda value: value == "1",
        error_messages={
            "required": gettext_lazy("请选择准确或不准确"),
            "invalid_choice": gettext_lazy("请选择准确或不准确"),
        },
    )
    comment = forms.CharField(max_length=500, required=False)


def _refusal(form: forms.Form) -> Invalid:
    """A form the page's own markup rendered: its errors, shown by show_error as one flash message."""
    return Invalid(fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})


OVERDUE_CHOICES = [
    ("", gettext_lazy("不限")),
    ("true", gettext_lazy("只看逾期")),
    ("false", gettext_lazy("不含逾期")),
]


class TriageForm(forms.Form):
    """The list's sort and filters, as the page's GET form sends them; each field is checked on
    its own so one bad value drops only itself."""

    sort = forms.ChoiceField(
        label=gettext_lazy("排序"), choices=list(triage.SORT_LABELS.items()), required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类别"), choices=[("", gettext_lazy("全部")), *RuleKind.choices], required=False
    )
    rule = forms.ChoiceField(label=gettext_lazy("规则"), choices=[], required=False)
    due = forms.ChoiceField(
        label=gettext_lazy("截止"),
        choices=[("", gettext_lazy("不限")), *triage.WINDOW_LABELS.items()],
        required=False,
    )
    overdue = forms.ChoiceField(label=gettext_lazy("逾期"), choices=OVERDUE_CHOICES, required=False)

    def __init__(self, *args: Any, rules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ChoiceField)  # narrows the type for mypy
        rule.choices = [("", _("全部规则")), *rules]

    def triage(self, status: str) -> triage.Triage:
        data = self.cleaned_data
        overdue = {"true": True, "false": False}.get(data.get("overdue") or "")
        return triage.Triage(
            status=status,
            sort=data.get("sort") or "",
            kind=data.get("kind") or "",
            rule=data.get("rule") or "",
            due=data.get("due") or "",
            overdue=overdue,
        )


def _triage_form(request: AuthedHttpRequest) -> TriageForm:
    """The filters of the address bar; a bad one is dropped with a message, never a 400 page."""
    rules = [(rule.code, rule.name) for rule in selectors.rule_list(user=request.user)]
    given = {name: request.GET.get(name, "") for name in TriageForm.base_fields}
    form = TriageForm(given, rules=rules)
    if not form.is_valid():
        dropped = list(form.errors)
        messages.warning(
            request,
            _("已忽略无效的筛选条件：%(names)s")
            % {"names": "、".join(str(form.fields[name].label) for name in dropped)},
        )
        for name in dropped:
            given[name] = ""
        form = TriageForm(given, rules=rules)
        form.is_valid()
    return form


def _query(**params: str) -> str:
    """A query string of the non-empty parameters, for links that keep the current filters."""
    return urlencode({k: v for k, v in params.items() if v})


@staff_page(Role.RM, Role.BRANCH_LEAD)
def inbox(request: AuthedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in selectors.STATUSES:
        messages.warning(request, _("已忽略无效的筛选条件：%(names)s") % {"names": _("状态")})
        status = "open"
    form = _triage_form(request)
    filters = {name: str(form.cleaned_data.get(name) or "") for name in TriageForm.base_fields}
    rows = triage.opportunity_triage(user=request.user, triage=form.triage(status))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "status": status,
        "status_tabs": [
            {"key": key, "label": label, "query": _query(status=key, **filters)} for key, label in TABS
        ],
        "form": form,
        "filtered": any(filters.values()),
        "query": _query(status=status, **filters),
        "page": page,
        "rows": [{"o": o, "reason": selectors.reason_words(o.reason)} for o in page.object_list],
        "counts": selectors.my_counts(user=request.user),
        "is_lead": request.user.staff.role == Role.BRANCH_LEAD,
    }
    return render(request, "opportunities/inbox.html", context)


@staff_page(Role.RM, Role.BRANCH_LEAD)
def today(request: AuthedHttpRequest) -> HttpResponse:
    """今日: what to do first, in groups (triage.py); each group links to the list that shows all."""
    found = triage.triage_today(user=request.user)
    groups = [
        {
            "group": group,
            "query": _query(status="open", **group.link),
            "rows": [{"o": o, "reason": selectors.reason_words(o.reason)} for o in group.results],
        }
        for group in found
    ]
    context = {
        "groups": groups,
        "total": sum(group.count for group in found),
        "counts": selectors.my_counts(user=request.user),
        "status_tabs": [{"key": key, "label": label, "query": _query(status=key)} for key, label in TABS],
        "is_lead": request.user.staff.role == Role.BRANCH_LEAD,
    }
    return render(request, "opportunities/today.html", context)


@staff_page(Role.RM, Role.BRANCH_LEAD)
def detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_for(request.user, pk)
    can_complete = selectors.opportunity_workable(request.user, opportunity)
    recommended = recommendations_for(request.user, opportunity.customer)
    recommendations_shown(customer=opportunity.customer, items=recommended)
    context = {
        "o": opportunity,
        # Masked for everyone: the full number is never in a page. The one who must call gets a
        # button that goes through `call` (scoped, logged), which redirects to the tel: URL.
        "phone": mask_phone(opportunity.customer.phone),
        "call_token": call_token(request.user, opportunity)
        if can_complete and opportunity.customer.phone.strip()
        else "",
        "reason": selectors.reason_words(opportunity.reason),
        "can_complete": can_complete,
        "can_review": request.user.staff.role == Role.BRANCH_LEAD
        and opportunity.status == Opportunity.Status.DONE,
        "outcomes": Opportunity.Outcome.choices,
        # The same list as the portrait's (docs/product.md §7); "send" only for the one who works it.
        "recommendations": recommended,
        "rec_customer": opportunity.customer.cust_no
        if can_complete and request.user.staff.role == Role.RM
        else "",
    }
    return render(request, "opportunities/detail.html", context)


@require_POST
@staff_page(Role.RM, Role.BRANCH_LEAD)
def complete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_to_work_for(request.user, pk)
    back = _portrait_back(request.POST.get("next", ""))
    form = CompleteForm(request.POST)
    if not form.is_valid():
        show_error(request, _refusal(form))
        return redirect(back or reverse("opportunities:detail", args=[pk]))
    try:
        opportunity_complete(
            opportunity=opportunity,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"].strip(),
            amount=form.cleaned_data["amount"],
        )
    except DomainError as error:
        show_error(request, error)
        return redirect(back or reverse("opportunities:detail", args=[pk]))
    messages.success(request, _("已记录结果"))
    return redirect(back or reverse("opportunities:inbox"))


def _portrait_back(path: str) -> str:
    """Completed in place on a customer's portrait: back to that portrait (only a local one)."""
    if path.startswith("/customers/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        return path
    return ""


CALL_SALT = "opportunities.call"


def call_token(user: User, opportunity: Opportunity) -> str:
    return calls.call_token(salt=CALL_SALT, user=user, row=opportunity)


@require_GET
@staff_page(Role.RM, Role.BRANCH_LEAD)
def call(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Click-to-call: the one who works the opportunity reveals the number (logged) and dials it."""
    opportunity = selectors.opportunity_to_work_for(request.user, pk)
    return calls.call_page(
        request,
        salt=CALL_SALT,
        user=request.user,
        row=opportunity,
        dial=lambda: opportunity_call(opportunity=opportunity, by=request.user),
        back=lambda: redirect("opportunities:detail", pk=pk),
    )


@staff_page(Role.BRANCH_LEAD)
def review_queue(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.review_queue(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"o": o, "reason": selectors.reason_words(o.reason)} for o in page.object_list]
    return render(request, "opportunities/review.html", {"page": page, "rows": rows})


@require_POST
@staff_page(Role.BRANCH_LEAD)
def review(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_for(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        show_error(request, _refusal(form))
        return redirect("opportunities:review")
    try:
        opportunity_review(
            opportunity=opportunity,
            by=request.user,
            accurate=form.cleaned_data["accurate"],
            comment=form.cleaned_data["comment"].strip(),
        )
    except DomainError as error:
        show_error(request, error)
        return redirect("opportunities:review")
    messages.success(request, _("检视已保存"))
    return redirect("opportunities:review")


def conversion_chart(rows: list[selectors.RuleFigures]) -> dict[str, Any]:
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
def stats(request: AuthedHttpRequest) -> HttpResponse:
    staff = request.user.staff
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
        "board": selectors.leaderboard(user=request.user, scope_name=scope_name).results,
    }
    return render(request, "opportunities/stats.html", context)
