"""Input fields for dates and times, with one documented range.

A bank's records start long after year 1 and end long before year 9999: `0001-01-01` in a body or
`?until=9999-12-31` in a query overflowed date arithmetic further on (a 500). Every date or
datetime the API accepts goes through these; the range itself is `rm_portal/core/dates.py`'s."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from rm_portal.core.dates import RANGE_TEXT, in_range


class BankDateField(serializers.DateField):
    """`YYYY-MM-DD` between FIRST_DATE and LAST_DATE."""

    default_error_messages = {"out_of_range": RANGE_TEXT}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "YYYY-MM-DD, 2000-01-01 … 2099-12-31")
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> date:
        parsed: date = super().to_internal_value(value)
        if not in_range(parsed):
            self.fail("out_of_range")
        return parsed


class BankDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset (or the bank's zone when none is given), within the same range."""

    default_error_messages = {"out_of_range": RANGE_TEXT, "overflow": RANGE_TEXT}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "ISO 8601, 2000-01-01 … 2099-12-31")
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> datetime:
        try:
            parsed: datetime = super().to_internal_value(value)
        except OverflowError:  # making 0001-01-01T00:00+08:00 aware overflows before our check
            self.fail("out_of_range")
        local = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
        if not in_range(local.date()):
            self.fail("out_of_range")
        return parsed


def day_start(value: date) -> datetime:
    """The first moment of a bank day, aware, for a range filter."""
    return datetime.combine(value, time.min, tzinfo=timezone.get_default_timezone())
