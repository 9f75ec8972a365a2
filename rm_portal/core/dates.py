"""The bank's date range: every date or time the product accepts lies within it.

A bank's records start long after year 1 and end long before year 9999; `0001-01-01` or
`9999-12-31` overflowed date arithmetic further on (a 500). The API's fields
(`rm_portal/api/fields.py`), pages and services all read the range from here, so it is decided once."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)
RANGE_TEXT = _("日期须在 2000-01-01 至 2099-12-31 之间")


def in_range(value: date) -> bool:
    return FIRST_DATE <= value <= LAST_DATE
