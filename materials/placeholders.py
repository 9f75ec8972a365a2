"""Placeholders in a material's body, filled for the RM (and the customer) at share time.

Filled by plain replacement, never str.format: a body is head office text, not code.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rm_portal.customers.models import Customer
from rm_portal.org.models import Staff

PLACEHOLDERS = {
    "customer_name": gettext_lazy("客户姓名（未指定客户时为“尊敬的客户”）"),
    "rm_name": gettext_lazy("客户经理姓名"),
    "rm_title": gettext_lazy("客户经理职务"),
    "rm_phone": gettext_lazy("客户经理手机号"),
    "branch": gettext_lazy("网点名称"),
}

_FIELD = re.compile(r"\{([^{}\s]{0,40})\}")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _FIELD.findall(text) if name not in PLACEHOLDERS})


def values_for(*, staff: Staff, customer: Customer | None) -> dict[str, str]:
    return {
        "customer_name": customer.name if customer else _("尊敬的客户"),
        "rm_name": staff.name,
        "rm_title": staff.title,
        "rm_phone": staff.phone,
        "branch": staff.branch.name,
    }


def fill(text: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)
