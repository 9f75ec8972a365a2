"""Execution (执行), review (检视), the overdue sweep and the handover mover."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rm_portal.core.errors import Conflict, Invalid, NotAllowed
from rm_portal.customers.models import PortraitAccess
from rm_portal.customers.phones import tel_url as tel_url  # one dialler URL for every call button
from rm_portal.customers.services import timeline_record
from rm_portal.customers.services.portraits import portrait_access_record
from rm_portal.notifications.services import notify
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.handover import SAMPLE_SIZE, Preview, preview_of
from rm_portal.org.models import Role, Staff

# One hundred million yuan: larger than any single deal a retail branch books; above it is a typo
# (or a wish), not a deposit.
MAX_AMOUNT = Decimal("100000000.00")
AMOUNT_RANGE = gettext_lazy("金额必须在 0 到 1 亿元（100,000,000.00）之间")


@transaction.atomic
def opportunity_complete(
    *,
    opportunity: Opportunity,
    by: User,
    outcome: str,
    note: str = "",
    amount: Decimal | None = None,
) -> Opportunity:
    if amount is not None and not (Decimal(0) <= amount <= MAX_AMOUNT):
        raise Invalid(fields={"amount": AMOUNT_RANGE})
    if outcome not in Opportunity.Outcome.values:
        raise Invalid(fields={"outcome": _("无效的结果")})
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.status == Opportunity.Status.DONE:
        raise Conflict(_("这条商机已经完成"))
    locked.status = Opportunity.Status.DONE
    locked.outcome = outcome
    locked.note = note
    locked.amount = amount
    locked.completed_at = timezone.now()
    if locked.assignee_id is None:
        locked.assignee = by  # the branch lead took it from the ownerless queue
    locked.save(update_fields=["status", "outcome", "note", "amount", "completed_at", "assignee"])
    timeline_record(
        customer=locked.customer,
        kind="opportunity_done",
        title=_("商机「%(rule)s」：%(outcome)s")
        % {"rule": locked.rule.name, "outcome": Opportunity.Outcome(outcome).label},
        actor=by,
        ref=locked,
        detail={"rule": locked.rule.code, "outcome": outcome, "amount": str(amount) if amount else None},
    )
    return locked


@transaction.atomic
def opportunity_call(*, opportunity: Opportunity, by: User) -> str:
    """The worker of an open opportunity calls its customer: the full number leaves the server only
    here, as the `tel:` URL the page redirects to, and every reveal is on the record — an access-log
    row (PortraitAccess "reveal", as for any reveal of a customer's identity) and a timeline touch."""
    if opportunity.status != Opportunity.Status.OPEN:
        raise Conflict(_("这条商机已经完成，请从客户画像联系客户"))
    customer = opportunity.customer
    if not customer.phone.strip():
        raise Conflict(_("客户没有登记手机号"))
    portrait_access_record(user=by, customer=customer, action=PortraitAccess.Action.REVEAL)
    timeline_record(
        customer=customer,
        kind="opportunity_call",
        title=_("商机「%(rule)s」：拨打电话") % {"rule": opportunity.rule.name},
        actor=by,
        ref=opportunity,
        detail={"rule": opportunity.rule.code},
    )
    return tel_url(customer.phone)


@transaction.atomic
def opportunity_review(
    *, opportunity: Opportunity, by: User, accurate: bool, comment: str = ""
) -> Opportunity:
    """A later review by the lead replaces the earlier one (they may change their mind).

    An accurate review is what makes a conversion count in the figures, so nobody reviews their
    own work (a lead who took an opportunity from the branch's ownerless queue)."""
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.status != Opportunity.Status.DONE:
        raise Conflict(_("只能检视已完成的商机"))
    if locked.assignee_id == by.pk:
        raise NotAllowed(_("不能检视自己完成的商机，请由网点其他负责人检视"))
    locked.accurate = accurate
    locked.review_comment = comment
    locked.reviewer = by
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["accurate", "review_comment", "reviewer", "reviewed_at"])
    return locked


def opportunities_overdue_sweep(*, now: datetime | None = None) -> int:
    """Flag open opportunities past their deadline and tell each branch lead once.

    The conditional claim (`overdue_notified_at IS NULL` in the UPDATE) makes two sweeps
    running at once notify each opportunity exactly once."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Opportunity.objects.filter(
            status=Opportunity.Status.OPEN, due_at__lt=now, overdue_notified_at=None
        ).update(overdue_notified_at=now)
        if not claimed:
            return 0
        per_branch = dict(
            Opportunity.objects.filter(overdue_notified_at=now)
            .values("branch_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("branch_id", "n")
        )
        leads: dict[int, list[User]] = defaultdict(list)
        for staff in Staff.objects.filter(
            role=Role.BRANCH_LEAD, active=True, branch_id__in=per_branch
        ).select_related("user"):
            leads[staff.branch_id].append(staff.user)
        link = reverse("opportunities:inbox") + "?status=overdue"
        for branch_id, n in per_branch.items():
            if leads[branch_id]:
                notify(
                    recipients=leads[branch_id],
                    kind="opportunity_overdue",
                    title=_("网点有 %(n)s 条商机已逾期") % {"n": n},
                    body=_("请督促客户经理尽快跟进。"),
                    link=link,
                )
    return claimed


def _open_of(leaver: User) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(assignee=leaver, status=Opportunity.Status.OPEN)


def opportunities_move(leaver: User, successor: User) -> dict[str, int]:
    """Handover mover: the leaver's OPEN opportunities go to the successor; done ones stay
    with the leaver, because they are the leaver's record of work."""
    moved = _open_of(leaver).update(assignee=successor)
    return {"opportunities": moved}


def opportunities_preview(leaver: User, successor: User) -> dict[str, Preview]:
    """What `opportunities_move` would move: the open ones, soonest due first in the sample."""
    rows = list(_open_of(leaver).order_by("due_at", "pk").values_list("pk", "customer__name", "rule__name"))
    return {
        "opportunities": preview_of(
            [pk for pk, _c, _r in rows],
            [f"{customer} · {rule}" for _pk, customer, rule in rows[:SAMPLE_SIZE]],
        )
    }
