"""The adds chart pages: the branch lead's and head office's 企业微信添加统计, and their Today card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rm_portal.core.dates import RANGE_TEXT, in_range
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.wecom.demo import demo_enabled
from rm_portal.wecom.stats import ContactStats, Group, Row, contact_stats, default_range, range_error

GROUP_LABELS = {
    Group.RM: _("客户经理"),
    Group.BRANCH: _("网点"),
    Group.POSTER: _("海报"),
    Group.DAY: _("日期"),
}


@dataclass(frozen=True)
class Bar:
    row: Row
    adds_pct: int
    bound_pct: int


def bars(stats: ContactStats) -> list[Bar]:
    widest = stats.widest or 1
    return [Bar(row, round(100 * row.adds / widest), round(100 * row.bound / widest)) for row in stats.rows]


class StatsForm(forms.Form):
    since = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(label=_("按"), required=False, choices=list(GROUP_LABELS.items()))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            if data.get(name) and not in_range(data[name]):
                self.add_error(name, RANGE_TEXT)
        if self.errors:
            return data
        since, until = default_range(data.get("since"), data.get("until"))
        error = range_error(since, until)
        if error:
            self.add_error("since", error)
        return {**data, "since": since, "until": until, "group": Group(data.get("group") or Group.RM)}


@staff_page(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def stats(request: AuthedHttpRequest) -> HttpResponse:
    form = StatsForm(request.GET or None)
    if not request.GET:
        form = StatsForm({"group": Group.BRANCH if _is_head_office(request.user) else Group.RM})
    if not form.is_valid():
        return render(request, "wecom/stats.html", {"form": form}, status=400)
    data = form.cleaned_data
    result = contact_stats(user=request.user, since=data["since"], until=data["until"], group=data["group"])
    context = {
        "form": form,
        "stats": result,
        "bars": bars(result),
        "label_heading": GROUP_LABELS[result.group],
        "demo": demo_enabled() and _is_head_office(request.user),
    }
    return render(request, "wecom/stats.html", context)


def _is_head_office(user: User) -> bool:
    staff = getattr(user, "staff", None)
    return staff is not None and staff.role == Role.HEAD_OFFICE


def today_card_context(user: User, role: str) -> dict[str, Any]:
    """The last 7 bank days of adds: per day for a lead, per branch for head office."""
    until = timezone.localdate()
    group = Group.BRANCH if role == Role.HEAD_OFFICE else Group.DAY
    result = contact_stats(user=user, since=until - timedelta(days=6), until=until, group=group)
    return {"stats": result, "bars": bars(result), "label_heading": GROUP_LABELS[group]}
