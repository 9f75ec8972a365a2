"""One range for every date and datetime the API accepts: out of it is a 400 that says the range,
never an overflow further on."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework import serializers

from rm_portal.api.fields import BankDateField, BankDateTimeField


class Dates(serializers.Serializer):
    on = BankDateField(required=False)
    at = BankDateTimeField(required=False)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("on", "0001-01-01"),
        ("on", "9999-12-31"),
        ("on", "1999-12-31"),
        ("on", "2100-01-01"),
        ("at", "0001-01-01T00:00:00+08:00"),
        ("at", "9999-12-31T23:59:59+08:00"),
        ("at", "9999-12-31T23:59:59-12:00"),
        ("at", "1999-12-31T23:59:59+08:00"),
    ],
)
def test_a_date_outside_the_bank_range_is_refused_with_the_range(field, value):
    parsed = Dates(data={field: value})
    assert not parsed.is_valid()
    assert parsed.errors[field] == ["日期须在 2000-01-01 至 2099-12-31 之间"]


def test_dates_inside_the_range_parse():
    parsed = Dates(data={"on": "2026-12-01", "at": "2026-12-01T07:30:00+08:00"})
    assert parsed.is_valid(), parsed.errors
    assert parsed.validated_data["on"] == date(2026, 12, 1)
    assert parsed.validated_data["at"].isoformat() == "2026-12-01T07:30:00+08:00"


def test_a_malformed_date_is_still_a_plain_format_error():
    parsed = Dates(data={"on": "2026-13-01"})
    assert not parsed.is_valid()
    assert "on" in parsed.errors
