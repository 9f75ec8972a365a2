"""The bank's calendar: its zone (settings.TIME_ZONE), whatever zone the server's clock runs in."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from django.utils import timezone


def bank_tz() -> tzinfo:
    return timezone.get_default_timezone()


def local_moment(on: date, at: time) -> datetime:
    return datetime.combine(on, at, tzinfo=bank_tz())


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), bank_tz()).date()
