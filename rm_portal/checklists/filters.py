"""The runs list's filters (django-filter, the API's default filter backend): a bad value answers
400 naming the parameter, `{"date": ["…"]}`."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from rm_portal.checklists.models import ChecklistRun


class RunFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(
        field_name="date", help_text="YYYY-MM-DD", error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")}
    )
    branch = django_filters.CharFilter(field_name="branch__code", help_text="branch code")
    status = django_filters.ChoiceFilter(
        choices=ChecklistRun.Status.choices, error_messages={"invalid_choice": _("未知状态")}
    )

    class Meta:
        model = ChecklistRun
        fields = ["date", "branch", "status"]
