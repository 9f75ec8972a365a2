from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from materials.models import MarketingCategory
from rm_portal.customers.models import HoldingType, TagDefinition
from rm_portal.matching.models import SignalKind
from rm_portal.matching.services import MAX_DAYS, MAX_WEIGHT


class SignalForm(forms.Form):
    code = forms.RegexField(r"^[a-z][a-z0-9_-]{0,63}$", label=_("代码"))
    name = forms.CharField(max_length=100, label=_("名称"))
    kind = forms.ChoiceField(choices=SignalKind.choices, label=_("信号类型"))
    tag = forms.ModelChoiceField(
        TagDefinition.objects.filter(active=True), required=False, to_field_name="code", label=_("标签")
    )
    holding_type = forms.ChoiceField(
        choices=[("", "—"), *HoldingType.choices], required=False, label=_("产品类型")
    )
    days = forms.IntegerField(min_value=0, max_value=MAX_DAYS, initial=7, label=_("到期天数内"))
    amount = forms.DecimalField(
        min_value=0, max_digits=16, decimal_places=2, initial=0, label=_("活期余额不低于（元）")
    )
    match_category = forms.ChoiceField(
        choices=[("", "—"), *MarketingCategory.choices], required=False, label=_("适用营销类别")
    )
    match_word = forms.CharField(max_length=64, required=False, label=_("适用物料标签或分类"))
    weight = forms.IntegerField(min_value=1, max_value=MAX_WEIGHT, initial=10, label=_("权重"))
    active = forms.BooleanField(required=False, initial=True, label=_("启用"))
