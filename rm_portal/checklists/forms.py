"""The phone pages' forms: they parse what a browser posts into the values the services take,
with the limits and messages of `checklists.rules` (the API's serializers use the same)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from rm_portal.checklists import rules
from rm_portal.checklists.models import ChecklistTemplate, RunAudit
from rm_portal.checklists.selectors import template_name_taken
from rm_portal.checklists.services import ItemSpec
from rm_portal.org.models import Branch, Role

WEEKDAYS = [
    (1, _("周一")),
    (2, _("周二")),
    (3, _("周三")),
    (4, _("周四")),
    (5, _("周五")),
    (6, _("周六")),
    (7, _("周日")),
]
BLANK_ROWS = 3


class BranchChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Branch) -> str:
        return f"{obj.code} {obj.name}"


class TemplateForm(forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=rules.NAME_MAX,
        error_messages={"required": rules.NAME_BLANK, "max_length": rules.NAME_TOO_LONG},
    )
    time = forms.CharField(label=_("提醒时间（北京时间）"), error_messages={"required": rules.TIME_BLANK})
    weekdays = forms.TypedMultipleChoiceField(
        label=_("星期"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": rules.WEEKDAYS_EMPTY},
    )
    due_minutes = forms.IntegerField(
        label=_("完成时限（分钟）"),
        min_value=1,
        max_value=rules.DUE_MAX,
        error_messages={
            "required": rules.DUE_INVALID,
            "invalid": rules.DUE_INVALID,
            "min_value": rules.DUE_TOO_SHORT,
            "max_value": rules.DUE_TOO_LONG,
        },
    )
    roles = forms.MultipleChoiceField(
        label=_("执行角色"),
        choices=[(role.value, role.label) for role in rules.ASSIGNABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": rules.ROLES_EMPTY},
    )
    branches = BranchChoice(
        label=_("适用网点（不选 = 全部网点）"),
        queryset=Branch.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scope = forms.ChoiceField(
        label=_("执行方式"),
        choices=ChecklistTemplate.Scope.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": rules.SCOPE_INVALID},
    )
    early = forms.ChoiceField(
        label=_("开始时间前完成"),
        choices=ChecklistTemplate.Early.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    skip_holidays = forms.BooleanField(label=_("节假日不执行"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args: Any, template: ChecklistTemplate | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template = template

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        # The service refuses a taken name too; said here, it comes with the other errors at once.
        if template_name_taken(name, exclude=self.template.pk if self.template else None):
            raise forms.ValidationError(rules.name_taken(name))
        return name

    def clean_time(self) -> dt.time:
        parsed = rules.time_parse(self.cleaned_data["time"])
        if parsed is None:
            raise forms.ValidationError(rules.TIME_FORMAT)
        return parsed

    def template_fields(self) -> dict[str, Any]:
        """The service's keyword arguments but the items (valid forms only)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "time_of_day": data["time"],
            "weekdays": data["weekdays"],
            "due_minutes": data["due_minutes"],
            "roles": data["roles"],
            "branches": list(data["branches"]),
            "skip_holidays": data["skip_holidays"],
            "active": data["active"],
            "scope": data["scope"] or ChecklistTemplate.Scope.PERSON,
            "early": data["early"] or ChecklistTemplate.Early.ALLOW,
        }


def template_initial(template: ChecklistTemplate | None) -> dict[str, Any]:
    if template is None:
        return {
            "weekdays": [1, 2, 3, 4, 5],
            "due_minutes": "60",
            "roles": [Role.RM.value],
            "skip_holidays": True,
            "active": True,
            "scope": ChecklistTemplate.Scope.PERSON,
            "early": ChecklistTemplate.Early.ALLOW,
        }
    return {
        "name": template.name,
        "time": template.time_of_day.strftime("%H:%M"),
        "weekdays": template.weekdays,
        "due_minutes": str(template.due_minutes),
        "roles": template.roles,
        "branches": [b.code for b in template.branches.all()],
        "skip_holidays": template.skip_holidays,
        "active": template.active,
        "scope": template.scope,
        "early": template.early,
    }


class ItemForm(forms.Form):
    text = forms.CharField(
        label=_("事项"),
        required=False,  # a blank extra row is no item; a row with only its boxes ticked is an error
        max_length=rules.ITEM_TEXT_MAX,
        error_messages={"max_length": rules.ITEM_TOO_LONG},
    )
    requires_photo = forms.BooleanField(label=_("需拍照"), required=False)
    requires_note = forms.BooleanField(label=_("需备注"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "text" in cleaned and not cleaned["text"]:
            self.add_error("text", rules.ITEM_BLANK)
        return cleaned


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors) or self.non_form_errors():
            return  # a tampered management form has no rows to count
        kept = len(self.ordered_forms)
        if not kept:
            raise forms.ValidationError(rules.ITEMS_EMPTY)
        if kept > rules.MAX_ITEMS:
            raise forms.ValidationError(rules.ITEMS_TOO_MANY)

    def items(self) -> list[ItemSpec]:
        """The kept rows in their chosen order (blank extra rows and ticked 删除 rows dropped)."""
        return [
            ItemSpec(
                text=row.cleaned_data["text"],
                requires_photo=row.cleaned_data.get("requires_photo", False),
                requires_note=row.cleaned_data.get("requires_note", False),
            )
            for row in self.ordered_forms
        ]


# formset_factory makes a subclass of `formset`; the stubs only know it as a BaseFormSet.
ItemFormSet = cast(
    type[BaseItemFormSet],
    forms.formset_factory(
        ItemForm,
        formset=BaseItemFormSet,
        extra=BLANK_ROWS,
        can_order=True,
        can_delete=True,
        max_num=rules.MAX_ITEMS,
        absolute_max=rules.MAX_ITEMS + BLANK_ROWS,
    ),
)


def items_initial(template: ChecklistTemplate | None) -> list[dict[str, Any]]:
    if template is None:
        return []
    return [
        {"text": i.text, "requires_photo": i.requires_photo, "requires_note": i.requires_note}
        for i in template.items.all()
    ]


class ItemCompleteForm(forms.Form):
    photo = forms.FileField(required=False, allow_empty_file=True)
    note = forms.CharField(required=False, strip=False, max_length=2000)


class RunAuditForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=RunAudit.Verdict.choices,
        error_messages={"required": _("请选择通过或退回"), "invalid_choice": _("请选择通过或退回")},
    )
    comment = forms.CharField(required=False, strip=False, max_length=1000)


class HolidayUploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": _("请选择不超过 1 MB 的 CSV 文件")})
