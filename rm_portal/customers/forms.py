"""The handover confirmation: the lead ticks that they mean it and names the successor again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rm_portal.customers.models import Handover
from rm_portal.org.models import Staff


class HandoverConfirmForm(forms.Form):
    leaver = forms.CharField(max_length=150, widget=forms.HiddenInput)
    to = forms.CharField(max_length=150, widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=Handover.Mode.choices, widget=forms.HiddenInput)
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("我已核对以上内容，确认交接"), error_messages={"required": _("请勾选确认")}
    )
    confirm_name = forms.CharField(
        label=_("再次输入接替人的姓名或用户名"),
        max_length=150,
        error_messages={"required": _("请再次输入接替人的姓名或用户名")},
    )

    def names(self, successor: Staff | None) -> bool:
        """Whether the typed name is the successor's; says so on the form when it is not."""
        typed = self.cleaned_data["confirm_name"].strip()
        if successor is not None and typed in (successor.name, successor.user.username):
            return True
        self.add_error("confirm_name", _("与所选接替人不一致"))
        return False
