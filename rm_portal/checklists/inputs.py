"""The one definition of a valid template, shared by the API and the head-office page."""

from __future__ import annotations

import re
from datetime import time

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from rm_portal.checklists.models import ChecklistTemplate
from rm_portal.org.models import Branch, Role

TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
ASSIGNABLE = [Role.RM, Role.BRANCH_LEAD]
MAX_ITEMS = 50


class ItemIn(serializers.Serializer):
    text = serializers.CharField(
        max_length=200,
        error_messages={
            "blank": gettext_lazy("请填写事项内容"),
            "max_length": gettext_lazy("事项内容不能超过 {max_length} 个字"),
        },
    )
    requires_photo = serializers.BooleanField(default=False)
    requires_note = serializers.BooleanField(default=False)

    def to_internal_value(self, data: object) -> dict:
        # Strict like `validated()`, one level down: a misspelt "requires_foto" is an error.
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: [_("未知字段")] for key in unknown})
        return super().to_internal_value(data)


class TemplateIn(serializers.Serializer):
    """Pass the template being edited as context["template"] (None when creating)."""

    name = serializers.CharField(
        max_length=100,
        error_messages={
            "blank": gettext_lazy("请填写模板名称"),
            "max_length": gettext_lazy("名称不能超过 {max_length} 个字"),
        },
    )
    time = serializers.CharField(max_length=5, error_messages={"blank": gettext_lazy("请填写提醒时间")})
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        max_length=7,
        error_messages={"empty": gettext_lazy("请至少选择一天")},
    )
    due_minutes = serializers.IntegerField(
        min_value=1,
        max_value=24 * 60,
        error_messages={
            "invalid": gettext_lazy("完成时限应为整数分钟"),
            "min_value": gettext_lazy("完成时限至少 {min_value} 分钟"),
            "max_value": gettext_lazy("完成时限不能超过 {max_value} 分钟（24 小时）"),
        },
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ASSIGNABLE),
        allow_empty=False,
        error_messages={"empty": gettext_lazy("请至少选择一个执行角色")},
    )
    branches = serializers.ListField(child=serializers.CharField(max_length=16), default=list)
    items = ItemIn(
        many=True,
        allow_empty=False,
        max_length=MAX_ITEMS,
        error_messages={
            "empty": gettext_lazy("请至少填写一个事项"),
            "max_length": gettext_lazy("事项不能超过 {max_length} 个"),
        },
    )
    skip_holidays = serializers.BooleanField(default=True)
    active = serializers.BooleanField(default=True)
    scope = serializers.ChoiceField(
        choices=ChecklistTemplate.Scope.choices,
        default=ChecklistTemplate.Scope.PERSON,
        error_messages={
            "invalid_choice": gettext_lazy("执行方式只能是 person（每人一份）或 branch（每网点一份）")
        },
    )

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("请填写模板名称"))
        # Runs and dashboards show templates by name: two with one name could not be told apart.
        others = ChecklistTemplate.objects.filter(name__iexact=value)
        template = self.context.get("template")
        if template is not None:
            others = others.exclude(pk=template.pk)
        if others.exists():
            raise serializers.ValidationError(_("已有同名模板“%(name)s”") % {"name": value})
        return value

    def validate_time(self, value: str) -> time:
        match = TIME.match(value.strip())
        if not match:
            raise serializers.ValidationError(_("时间格式应为 HH:MM（00:00–23:59）"))
        return time(int(match[1]), int(match[2]))

    def validate_branches(self, value: list[str]) -> list[Branch]:
        found = {b.code: b for b in Branch.objects.filter(code__in=value)}
        unknown = sorted(set(value) - set(found))
        if unknown:
            raise serializers.ValidationError(_("未知网点：%(codes)s") % {"codes": ", ".join(unknown)})
        return list(found.values())
