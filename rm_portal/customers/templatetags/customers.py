from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money(value: object) -> str:
    """Amounts the way a branch reads them: 1,234 元 below ten thousand, 12.3 万 above."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if abs(amount) >= 10000:
        return _("%(n)s 万") % {"n": f"{amount / 10000:,.1f}"}
    return _("%(n)s 元") % {"n": f"{amount:,.0f}"}


@register.filter
def indicator(value: object, unit: str = "") -> str:
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, float):
        value = f"{value:,.2f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value} {unit}".strip()
