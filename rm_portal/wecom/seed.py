"""Demo WeCom contacts for the demo RM (rm01a): some bound to their customers, some waiting for the
RM to bind, one who removed the RM, so the 企业微信客户 pages are not empty. Idempotent.

They exist in the database only: the embedded simulator starts empty, and adds made through it
(the head-office demo page, `/_sim/add_customer`) arrive as real events beside these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from rm_portal.customers.models import Customer
from rm_portal.wecom.models import ContactFollow, ExternalContact

ORDER = 45  # after people (10) and customers (20)

# external userid, nickname, how many days ago, bound to the RM's n-th customer (None: not yet),
# how it was bound, status.
DEMO = [
    ("wmDEMO0000000000000000000001", "晨曦", 1, None, "", ContactFollow.Status.ACTIVE),
    ("wmDEMO0000000000000000000002", "A. 李", 2, None, "", ContactFollow.Status.ACTIVE),
    (
        "wmDEMO0000000000000000000003",
        "静待花开",
        3,
        0,
        ContactFollow.BindMethod.AUTO,
        ContactFollow.Status.ACTIVE,
    ),
    (
        "wmDEMO0000000000000000000004",
        "老周",
        6,
        1,
        ContactFollow.BindMethod.MANUAL,
        ContactFollow.Status.ACTIVE,
    ),
    (
        "wmDEMO0000000000000000000005",
        "海风",
        9,
        2,
        ContactFollow.BindMethod.AUTO,
        ContactFollow.Status.ACTIVE,
    ),
    ("wmDEMO0000000000000000000006", "一帆", 20, None, "", ContactFollow.Status.LOST),
]


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    rm = User.objects.filter(username="rm01a").first()
    if rm is None:
        return
    customers = list(Customer.objects.filter(owner=rm).order_by("cust_no")[:3])
    now = timezone.now()
    created = 0
    for external_userid, name, days, index, method, status in DEMO:
        contact, _ = ExternalContact.objects.get_or_create(
            external_userid=external_userid, defaults={"name": name}
        )
        customer = customers[index] if index is not None and index < len(customers) else None
        _, made = ContactFollow.objects.get_or_create(
            contact=contact,
            rm=rm,
            defaults={
                "added_at": now - timedelta(days=days),
                "source": ContactFollow.Source.RM,
                "add_way": 1,
                "remark_mobiles": [customer.phone] if customer is not None and customer.phone else [],
                "customer": customer,
                "bind_method": method if customer is not None else "",
                "bound_by": rm
                if customer is not None and method == ContactFollow.BindMethod.MANUAL
                else None,
                "bound_at": now - timedelta(days=days) if customer is not None else None,
                "welcome_sent_at": now - timedelta(days=days),
                "status": status,
                "status_changed_at": now - timedelta(days=1)
                if status != ContactFollow.Status.ACTIVE
                else None,
            },
        )
        if made and customer is not None:
            Customer.objects.filter(pk=customer.pk).update(wechat_external_id=external_userid)
        created += made
    log(f"wecom: {created} demo contacts for rm01a")
