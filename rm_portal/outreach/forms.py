from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from materials.models import MarketingCategory
from rm_portal.customers.models import Segment
from rm_portal.outreach.services.outreach import TEXT_MAX_BYTES


class ComposeForm(forms.Form):
    name = forms.CharField(label=_("群发名称"), max_length=64)
    text = forms.CharField(
        label=_("群发内容"),
        widget=forms.Textarea(attrs={"rows": 6, "data-check": "1"}),
        strip=False,
        help_text=_("企业微信限 %(max)d 字节（约 1333 个汉字）") % {"max": TEXT_MAX_BYTES},
    )
    selection = forms.ChoiceField(
        label=_("发送对象"),
        choices=[("segment", _("客群")), ("tags", _("标签")), ("own", _("本人企业微信客户"))],
        widget=forms.RadioSelect,
        initial="segment",
    )
    segment = forms.ModelChoiceField(
        label=_("客群"), queryset=Segment.objects.order_by("code"), to_field_name="code", required=False
    )
    tags = forms.CharField(label=_("标签代码（空格分隔）"), required=False, max_length=500)
    category = forms.ChoiceField(label=_("营销类别"), choices=MarketingCategory.choices)
    material = forms.IntegerField(label=_("附带物料编号（可选）"), required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("selection") == "segment" and not data.get("segment"):
            self.add_error("segment", _("请选择客群"))
        if data.get("selection") == "tags" and not (data.get("tags") or "").split():
            self.add_error("tags", _("请至少填写一个标签"))
        return data
