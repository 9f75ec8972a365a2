from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名、客户号或手机尾号"), max_length=64, required=False)


class BindForm(forms.Form):
    customer = forms.CharField(label=_("客户号"), max_length=32)
