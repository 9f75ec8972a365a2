"""The head-office template page's form: it only gathers input; validation is the service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rm_portal.checklists.inputs import ASSIGNABLE, MAX_ITEMS
from rm_portal.checklists.models import ChecklistTemplate
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


class TemplateForm(forms.Form):
    # Deliberately loose (no lengths, no required): the rules are services.template_save's, once.
    name = forms.CharField(label=_("名称"), required=False, strip=False)
    time = forms.CharField(label=_("提醒时间（北京时间）"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("星期"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    due_minutes = forms.CharField(label=_("完成时限（分钟）"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("执行角色"),
        choices=[(role.value, role.label) for role in ASSIGNABLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    branches = forms.MultipleChoiceField(
        label=_("适用网点（不选 = 全部网点）"), required=False, widget=forms.CheckboxSelectMultiple
    )
    scope = forms.ChoiceField(
        label=_("执行方式"),
        choices=ChecklistTemplate.Scope.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    skip_holidays = forms.BooleanField(label=_("节假日不执行"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branches"].choices = [(b.code, f"{b.code} {b.name}") for b in Branch.objects.all()]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "time": data["time"],
            "weekdays": data["weekdays"],
            "due_minutes": data["due_minutes"],
            "roles": data["roles"],
            "branches": data["branches"],
            "skip_holidays": data["skip_holidays"],
            "active": data["active"],
            "scope": data["scope"] or ChecklistTemplate.Scope.PERSON,
        }


def template_initial(template: ChecklistTemplate | None) -> dict:
    if template is None:
        return {
            "weekdays": [1, 2, 3, 4, 5],
            "due_minutes": "60",
            "roles": [Role.RM.value],
            "skip_holidays": True,
            "active": True,
            "scope": ChecklistTemplate.Scope.PERSON,
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
    }


class ItemForm(forms.Form):
    text = forms.CharField(label=_("事项"), required=False)
    requires_photo = forms.BooleanField(label=_("需拍照"), required=False)
    requires_note = forms.BooleanField(label=_("需备注"), required=False)


class BaseItemFormSet(forms.BaseFormSet):
    def service_items(self) -> tuple[list[dict], list[forms.Form]]:
        """The kept rows in their chosen order (blank extra rows and ticked 删除 rows dropped)."""
        rows = self.ordered_forms
        items = [
            {
                "text": row.cleaned_data.get("text", ""),
                "requires_photo": row.cleaned_data.get("requires_photo", False),
                "requires_note": row.cleaned_data.get("requires_note", False),
            }
            for row in rows
        ]
        return items, rows


ItemFormSet = forms.formset_factory(
    ItemForm,
    formset=BaseItemFormSet,
    extra=BLANK_ROWS,
    can_order=True,
    can_delete=True,
    max_num=MAX_ITEMS,
    absolute_max=MAX_ITEMS + BLANK_ROWS,
)


def items_initial(template: ChecklistTemplate | None) -> list[dict]:
    if template is None:
        return []
    return [
        {"text": i.text, "requires_photo": i.requires_photo, "requires_note": i.requires_note}
        for i in template.items.all()
    ]
