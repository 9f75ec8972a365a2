"""离职继承: when an RM leaves, every app's mover runs in one transaction, then the login goes."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import Customer, OwnershipRecord, TimelineEvent
from rm_portal.customers.services import timeline_record_many
from rm_portal.org.handover import movers
from rm_portal.org.models import Role, Staff
from rm_portal.org.services import staff_deactivate


def customers_move(leaver: User, successor: User) -> dict[str, int]:
    """The customers mover: owner changes, the ownership history keeps who owned when."""
    now = timezone.now()
    customers = list(
        Customer.objects.filter(owner=leaver).select_for_update().only("id", "created_at", "branch_id")
    )
    if not customers:
        return {"customers": 0}
    ids = [customer.pk for customer in customers]
    open_records = set(
        OwnershipRecord.objects.filter(customer_id__in=ids, ended_at=None).values_list(
            "customer_id", flat=True
        )
    )
    # Customers from before ownership was recorded get their leaver's period written now.
    OwnershipRecord.objects.bulk_create(
        [
            OwnershipRecord(
                customer_id=c.pk, owner=leaver, started_at=c.created_at, ended_at=now, reason="before_history"
            )
            for c in customers
            if c.pk not in open_records
        ],
        batch_size=1000,
    )
    OwnershipRecord.objects.filter(customer_id__in=ids, ended_at=None).update(ended_at=now)
    OwnershipRecord.objects.bulk_create(
        [OwnershipRecord(customer_id=pk, owner=successor, started_at=now, reason="handover") for pk in ids],
        batch_size=1000,
    )
    successor_branch = successor.staff.branch_id
    Customer.objects.filter(pk__in=ids).update(owner=successor, branch_id=successor_branch, updated_at=now)
    leaver_name = leaver.staff.name
    successor_name = successor.staff.name
    timeline_record_many(
        events=[
            TimelineEvent(
                customer_id=pk,
                kind="handover",
                title=_("客户经理由 %(old)s 交接给 %(new)s") % {"old": leaver_name, "new": successor_name},
                detail={"from": leaver.username, "to": successor.username},
                ref=f"auth.user:{successor.pk}",
                occurred_at=now,
            )
            for pk in ids
        ]
    )
    return {"customers": len(ids)}


def handover_check(*, leaver: Staff, successor: Staff | None, by: Staff) -> None:
    if leaver.role != Role.RM:
        raise Invalid(_("只能交接客户经理的客户"))
    if not leaver.active:
        raise Invalid(_("该客户经理已离职"))
    if successor is None:
        raise Invalid(fields={"to": _("继任者不存在")})
    if successor.pk == leaver.pk:
        raise Invalid(fields={"to": _("不能交接给本人")})
    if not successor.active or not successor.user.is_active:
        raise Invalid(fields={"to": _("继任者已停用")})
    if successor.role != Role.RM:
        raise Invalid(fields={"to": _("继任者必须是客户经理")})
    if by.role == Role.BRANCH_LEAD and successor.branch_id != leaver.branch_id:
        raise Invalid(fields={"to": _("继任者必须是本网点的客户经理")})


@transaction.atomic
def staff_handover(*, leaver: Staff, successor: Staff | None, by: Staff) -> dict[str, int]:
    """Run every registered mover, then deactivate the leaver; all or nothing."""
    handover_check(leaver=leaver, successor=successor, by=by)
    assert successor is not None
    moved: dict[str, int] = {}
    for _name, mover in sorted(movers().items()):
        moved.update(mover(leaver.user, successor.user))
    staff_deactivate(staff=leaver)
    return moved
