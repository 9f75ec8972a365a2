"""Contacts as the add handler leaves them, for the API and page tests (the loop tests make them
through the simulator instead)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rm_portal.customers.models import Customer
from rm_portal.wecom.models import ContactFollow, ExternalContact


def customer(owner, cust_no: str, phone: str = "", name: str = "王芳") -> Customer:
    return Customer.objects.create(
        cust_no=cust_no, name=name, phone=phone, branch=owner.staff.branch, owner=owner
    )


def follow(
    rm, external_userid: str, *, name: str = "微信用户", minutes_ago: int = 0, **fields
) -> ContactFollow:
    contact, _ = ExternalContact.objects.get_or_create(
        external_userid=external_userid, defaults={"name": name}
    )
    return ContactFollow.objects.create(
        contact=contact, rm=rm, added_at=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )
