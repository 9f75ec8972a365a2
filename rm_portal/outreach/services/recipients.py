"""Who an outreach reaches: the selection within the creator's scope, each customer's contact of a
sending RM, and every excluded customer with its reason.

Built for a 200,000-customer segment: the customers, their contacts and their last week's
marketing counts are three queries over a subquery of the selection (never an IN list of ids), and
the decisions are made in one pass in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.models import Kind, Material
from rm_portal.core.errors import Invalid
from rm_portal.customers.models import Customer, CustomerTag, Segment, TagDefinition
from rm_portal.org.access import role_of, scope, staff_of
from rm_portal.org.models import Role, Staff
from rm_portal.outreach.models import OutreachRecipient, OutreachTask
from rm_portal.wecom.models import ContactFollow

Reason = OutreachRecipient.Reason
Selection = OutreachTask.Selection
REASONS = [r.value for r in Reason]
# Recipients whose message WeCom never delivered do not count against the weekly cap.
NOT_COUNTED = [OutreachRecipient.Status.NOT_FRIEND, OutreachRecipient.Status.FAILED]


@dataclass
class Row:
    customer_id: int
    sender_id: int | None
    external_userid: str
    reason: str  # empty: a recipient


@dataclass
class Resolution:
    senders: dict[int, Staff]
    rows: list[Row] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def recipients(self) -> int:
        return sum(1 for r in self.rows if not r.reason)

    @property
    def cross_branch(self) -> bool:
        return len({s.branch_id for s in self.senders.values()}) > 1


def senders_for(*, by: User, usernames: list[str]) -> dict[int, Staff]:
    """The RMs who send: the RM themself; a lead's branch's RMs; head office's all. Named senders
    outside that are a 404, as any row outside a person's scope."""
    role = role_of(by)
    staff = Staff.objects.select_related("user").filter(role=Role.RM, active=True)
    if role == Role.RM:
        staff = staff.filter(user=by)
    elif role == Role.BRANCH_LEAD:
        own = staff_of(by)
        staff = staff.filter(branch_id=own.branch_id) if own else staff.none()
    elif role != Role.HEAD_OFFICE:
        staff = staff.none()
    if usernames:
        staff = staff.filter(user__username__in=usernames)
        if staff.count() != len(set(usernames)):
            raise Http404
    return {s.user_id: s for s in staff}


def selection_of(
    *, by: User, selection: str, segment: Segment | None, tags: list[str], sender_ids: list[int]
) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    if selection == Selection.OWN:
        qs = qs.filter(
            pk__in=ContactFollow.objects.filter(
                rm_id__in=sender_ids, status=ContactFollow.Status.ACTIVE, customer__isnull=False
            ).values("customer_id")
        )
    elif selection == Selection.SEGMENT:
        if segment is None:
            raise Invalid(fields={"segment": _("请选择客群")})
        tag_ids = list(segment.tags.values_list("pk", flat=True))
        if not tag_ids:
            raise Invalid(fields={"segment": _("该客群没有标签，选不出客户")})
        if segment.match == Segment.Match.ANY:
            qs = qs.filter(pk__in=CustomerTag.objects.filter(tag_id__in=tag_ids).values("customer_id"))
        else:
            for tag_id in tag_ids:
                qs = qs.filter(pk__in=CustomerTag.objects.filter(tag_id=tag_id).values("customer_id"))
    else:
        if not tags:
            raise Invalid(fields={"tags": _("请至少选择一个标签")})
        found = dict(TagDefinition.objects.filter(code__in=tags).values_list("code", "pk"))
        unknown = [t for t in tags if t not in found]
        if unknown:
            raise Invalid(fields={"tags": _("未知的标签：%(codes)s") % {"codes": "、".join(unknown)}})
        for tag_id in found.values():
            qs = qs.filter(pk__in=CustomerTag.objects.filter(tag_id=tag_id).values("customer_id"))
    return scope(by, qs)


def suits(*, material: Material | None, rating: str) -> bool:
    """The share gate's suitability rule (materials.services.shares.gate_failures), on a value row:
    a customer rated Cn may get products up to Rn, an unrated customer none with a risk level."""
    if material is None or material.kind != Kind.PRODUCT or not material.risk_level:
        return True
    return bool(rating) and int(rating[1]) >= int(material.risk_level[1])


def outreach_resolve(
    *,
    by: User,
    selection: str,
    segment: Segment | None = None,
    tags: list[str] | None = None,
    material: Material | None = None,
    category: str,
    senders: list[str] | None = None,
    now: datetime | None = None,
) -> Resolution:
    now = now or timezone.now()
    people = senders_for(by=by, usernames=senders or [])
    if not people:
        raise Invalid(fields={"senders": _("没有可以发送的客户经理")})
    customers = selection_of(
        by=by, selection=selection, segment=segment, tags=tags or [], sender_ids=list(people)
    )
    rows = list(customers.values_list("pk", "owner_id", "risk_rating", "consents").order_by("pk"))
    if not rows:
        names: dict[str, str] = {Selection.SEGMENT: "segment", Selection.TAGS: "tags"}
        field_name = names.get(selection, "selection")
        raise Invalid(fields={field_name: _("所选范围内没有客户")})
    ids = customers.values("pk")
    # Each customer's contact of a sender: their own RM's first, else the earliest added.
    contact: dict[int, tuple[int, str]] = {}
    for customer_id, rm_id, external_userid, owner_id in (
        ContactFollow.objects.filter(
            status=ContactFollow.Status.ACTIVE, rm_id__in=list(people), customer_id__in=ids
        )
        .values_list("customer_id", "rm_id", "contact__external_userid", "customer__owner_id")
        .order_by("added_at", "pk")
    ):
        if customer_id not in contact or (rm_id == owner_id and contact[customer_id][0] != owner_id):
            contact[customer_id] = (rm_id, external_userid)
    cap = settings.OUTREACH_WEEKLY_CAP
    week = dict(
        OutreachRecipient.objects.filter(handed_at__gte=now - timedelta(days=7), customer_id__in=ids)
        .exclude(status__in=NOT_COUNTED)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n")
    )
    result = Resolution(senders=people, excluded=dict.fromkeys(REASONS, 0))
    for customer_id, _owner, rating, consents in rows:
        sender_id, external_userid = contact.get(customer_id, (None, ""))
        reason: str
        if sender_id is None:
            reason = Reason.NOT_CONTACT
        elif (consents or {}).get(category) is not True:
            reason = Reason.NO_CONSENT
        elif not suits(material=material, rating=rating):
            reason = Reason.UNSUITABLE
        elif week.get(customer_id, 0) >= cap:
            reason = Reason.FREQUENCY_CAP
        else:
            reason = ""
        if reason:
            result.excluded[reason] += 1
        result.rows.append(Row(customer_id, sender_id, external_userid, reason))
    return result
