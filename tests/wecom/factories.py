"""Contacts as rows, without WeCom's events: the stats are tested from what the handlers store."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from rm_portal.customers.models import Customer
from rm_portal.wecom.models import ContactFollow, ExternalContact

BANK = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)


def bank_time(text: str) -> datetime:
    """`2026-11-10 09:30` as the bank's wall clock."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BANK)


def follow(
    rm,
    added: str,
    *,
    customer: Customer | None = None,
    status: str = ContactFollow.Status.ACTIVE,
    material=None,
    source: str | None = None,
) -> ContactFollow:
    n = next(_serial)
    contact = ExternalContact.objects.create(external_userid=f"wmTEST{n:06d}", name=f"微信用户{n}")
    if source is None:
        source = ContactFollow.Source.POSTER if material is not None else ContactFollow.Source.RM
    return ContactFollow.objects.create(
        contact=contact,
        rm=rm,
        added_at=bank_time(added),
        customer=customer,
        status=status,
        material=material,
        source=source,
    )


def customer_of(rm, cust_no: str) -> Customer:
    staff = rm.staff
    return Customer.objects.create(cust_no=cust_no, name="客户" + cust_no, branch=staff.branch, owner=rm)
