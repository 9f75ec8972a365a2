"""What the checklist API accepts: strict input serializers (unknown fields are an error), with the
limits and messages of `checklists.rules`. Services receive the parsed values only."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from rm_portal.api.fields import BankDateField
from rm_portal.checklists import rules
from rm_portal.checklists.clock import local_today
from rm_portal.checklists.models import ChecklistTemplate, RunAudit
from rm_portal.checklists.selectors import template_name_taken
from rm_portal.org.models import Branch

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 14


class ItemIn(serializers.Serializer[dict[str, Any]]):
    text = serializers.CharField(
        max_length=rules.ITEM_TEXT_MAX,
        error_messages={"blank": rules.ITEM_BLANK, "max_length": rules.ITEM_TOO_LONG},
    )
    requires_photo = serializers.BooleanField(default=False)
    requires_note = serializers.BooleanField(default=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Strict like `validated()`, one level down: a misspelt "requires_foto" is an error.
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: [_("未知字段")] for key in unknown})
        return dict(super().to_internal_value(data))


class TemplateIn(serializers.Serializer[dict[str, Any]]):
    """Pass the template being edited as context["template"] (None when creating)."""

    name = serializers.CharField(
        max_length=rules.NAME_MAX,
        error_messages={"blank": rules.NAME_BLANK, "max_length": rules.NAME_TOO_LONG},
    )
    time = serializers.CharField(
        source="time_of_day",
        max_length=5,
        help_text="HH:MM in bank time",
        error_messages={"blank": rules.TIME_BLANK},
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        max_length=7,
        help_text="ISO weekdays, 1 = Monday … 7 = Sunday",
        error_messages={"empty": rules.WEEKDAYS_EMPTY},
    )
    due_minutes = serializers.IntegerField(
        min_value=1,
        max_value=rules.DUE_MAX,
        error_messages={
            "invalid": rules.DUE_INVALID,
            "min_value": rules.DUE_TOO_SHORT,
            "max_value": rules.DUE_TOO_LONG,
        },
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=rules.ASSIGNABLE),
        allow_empty=False,
        error_messages={"empty": rules.ROLES_EMPTY},
    )
    branches = serializers.ListField(
        child=serializers.CharField(max_length=16),
        default=list,
        help_text="branch codes; empty = every branch",
    )
    items = ItemIn(  # type: ignore[call-arg]  # the stubs omit ListSerializer's max_length
        many=True,
        allow_empty=False,
        max_length=rules.MAX_ITEMS,
        error_messages={"empty": rules.ITEMS_EMPTY, "max_length": rules.ITEMS_TOO_MANY},
    )
    skip_holidays = serializers.BooleanField(default=True)
    active = serializers.BooleanField(default=True)
    scope = serializers.ChoiceField(
        choices=ChecklistTemplate.Scope.choices,
        default=ChecklistTemplate.Scope.PERSON,
        error_messages={"invalid_choice": rules.SCOPE_INVALID},
    )
    early = serializers.ChoiceField(
        choices=ChecklistTemplate.Early.choices,
        default=ChecklistTemplate.Early.ALLOW,
        help_text="a completion before the window opens (time on the run's day): allow; flag "
        "(allowed, each item marked early for the auditor); refuse (409 until the window opens)",
    )

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(rules.NAME_BLANK)
        # The service refuses a taken name too; said here, it comes with the other errors at once.
        template = self.context.get("template")
        if template_name_taken(value, exclude=template.pk if template is not None else None):
            raise serializers.ValidationError(rules.name_taken(value))
        return value

    def validate_time(self, value: str) -> dt.time:
        parsed = rules.time_parse(value)
        if parsed is None:
            raise serializers.ValidationError(rules.TIME_FORMAT)
        return parsed

    def validate_branches(self, value: list[str]) -> list[Branch]:
        found = {b.code: b for b in Branch.objects.filter(code__in=value)}
        unknown = sorted(set(value) - set(found))
        if unknown:
            raise serializers.ValidationError(_("未知网点：%(codes)s") % {"codes": ", ".join(unknown)})
        return list(found.values())


class HolidayUploadIn(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField(max_length=200, help_text="CSV of date,name rows, UTF-8, at most 1 MB")


class ItemCompleteIn(serializers.Serializer[dict[str, Any]]):
    photo = serializers.FileField(
        required=False, allow_empty_file=True, help_text="JPEG, PNG or WebP, ≤ 15 MB"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RunAuditIn(serializers.Serializer[dict[str, Any]]):
    verdict = serializers.ChoiceField(choices=RunAudit.Verdict.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


# --- Query parameters (not strict: a cache-buster is no error) ------------------------------------

DATE_FORMAT: dict[str, Any] = {"invalid": gettext_lazy("日期格式应为 YYYY-MM-DD")}


class RangeQuery(serializers.Serializer[dict[str, Any]]):
    """`since`..`until` (both in bank days): by default the fortnight up to today, at most a year."""

    # In the bank's range (2000-01-01..2099-12-31): `until=0001-01-05` overflowed `until - 13 days`.
    since = BankDateField(
        required=False,
        help_text="YYYY-MM-DD, 2000-01-01 … 2099-12-31; default: 13 days before until",
        error_messages=DATE_FORMAT,
    )
    until = BankDateField(
        required=False,
        help_text="YYYY-MM-DD, 2000-01-01 … 2099-12-31; default: today",
        error_messages=DATE_FORMAT,
    )
    branch = serializers.CharField(required=False, default="", help_text="branch code")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until: date = attrs.get("until") or local_today()
        since: date = attrs.get("since") or until - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if since > until:
            raise serializers.ValidationError({"since": [_("开始日期不能晚于结束日期")]})
        if (until - since).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"since": [_("时间范围最多一年")]})
        return {**attrs, "since": since, "until": until}
