"""Reads that take the acting user: every list and portrait goes through the one policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import (
    Customer,
    CustomerTag,
    Handover,
    Holding,
    IndicatorDefinition,
    IndicatorGroup,
    IndicatorValues,
    Segment,
    TagDefinition,
    TimelineEvent,
)
from rm_portal.customers.phones import TAIL
from rm_portal.org.access import actionable, scope
from rm_portal.org.models import Role, Staff

ORDERINGS = ("cust_no", "-cust_no", "name", "-name", "aum", "-aum")
TIMELINE_LIMIT = 50


def _with_tags() -> Prefetch[str, QuerySet[CustomerTag], str]:
    return Prefetch("customer_tags", queryset=CustomerTag.objects.select_related("tag").order_by("tag__code"))


def customer_list(
    *,
    user: User,
    q: str = "",
    tags: Sequence[str] = (),
    segment: str = "",
    ordering: str = "cust_no",
) -> QuerySet[Customer]:
    if ordering not in ORDERINGS:
        raise Invalid(fields={"ordering": _("排序只能是 %(o)s") % {"o": ", ".join(ORDERINGS)}})
    qs = scope(user, Customer.objects.select_related("branch", "owner__staff").prefetch_related(_with_tags()))
    if q:
        qs = qs.filter(customer_search(q))
    for code in tags:
        qs = qs.filter(pk__in=CustomerTag.objects.filter(tag__code=code).values("customer_id"))
    if segment:
        found = Segment.objects.filter(code=segment).first()
        if found is None:
            raise Invalid(fields={"segment": _("未知的客群 %(code)s") % {"code": segment}})
        codes = list(found.tags.values_list("pk", flat=True))
        if found.match == Segment.Match.ANY:
            qs = qs.filter(pk__in=CustomerTag.objects.filter(tag_id__in=codes).values("customer_id"))
        else:
            for tag_id in codes:
                qs = qs.filter(pk__in=CustomerTag.objects.filter(tag_id=tag_id).values("customer_id"))
    return qs.order_by(ordering, "pk")


def customer_search(q: str) -> Q:
    """Exactly 4 digits is the phone's last 4 (the indexed `phone_tail`) or a whole cust_no: two
    index lookups, never a scan (a substring match OR-ed in would scan every row, and no name is
    4 digits). Anything else: name or cust_no containing `q` (Django escapes `%` and `_`, so they
    match literally)."""
    if len(q) == TAIL and q.isascii() and q.isdigit():
        return Q(phone_tail=q) | Q(cust_no=q)
    return Q(cust_no__icontains=q) | Q(name__icontains=q)


def customer_for(user: User, cust_no: str) -> Customer:
    """The customer the user may see, or 404 (the same for a missing one and another's)."""
    return get_object_or_404(
        scope(user, Customer.objects.select_related("branch", "owner__staff")), cust_no=cust_no
    )


def customer_to_work_for(user: User, cust_no: str) -> Customer:
    """A customer the user may act for as the doer (call): their own; anyone else's is a 404."""
    return get_object_or_404(
        actionable(user, Customer.objects.select_related("branch", "owner__staff")), cust_no=cust_no
    )


def leaver_for(user: User, username: str) -> Staff:
    """The colleague whose book the user may hand over: a person the user sees, or 404.
    (Whether the person may leave, and to whom, is the handover service's check.)"""
    return get_object_or_404(
        scope(user, Staff.objects.select_related("user", "branch")), user__username=username
    )


def leaver_list(user: User) -> QuerySet[Staff]:
    """The active RMs whose book the user may hand over (the handover page's choices)."""
    people = Staff.objects.filter(role=Role.RM, active=True).select_related("user", "branch")
    return scope(user, people)


def successor_named(username: str) -> Staff | None:
    """Who the book goes to; the handover service refuses a missing or unfit successor."""
    return Staff.objects.select_related("user").filter(user__username=username).first()


def handover_list(user: User) -> QuerySet[Handover]:
    """The handover records the user sees (the lead: their branch's; head office: all)."""
    people = ("leaver__staff", "successor__staff", "by__staff")
    return scope(user, Handover.objects.select_related(*people)).order_by("-created_at", "-pk")


def handover_for(user: User, pk: int) -> Handover:
    return get_object_or_404(handover_list(user), pk=pk)


@dataclass
class Portrait:
    customer: Customer
    tags: list[TagDefinition]
    indicators: dict[str, object]
    as_of: date | None
    holdings: list[Holding]
    timeline: list[TimelineEvent]


def portrait_of(*, customer: Customer) -> Portrait:
    """Everything on the card in a fixed number of queries, however many tags or holdings."""
    tags = [
        ct.tag
        for ct in CustomerTag.objects.filter(customer=customer).select_related("tag").order_by("tag__code")
    ]
    record = IndicatorValues.objects.filter(customer=customer, is_latest=True).only("values", "as_of").first()
    holdings = list(
        Holding.objects.filter(customer=customer).order_by(F("maturity_date").asc(nulls_last=True), "id")
    )
    timeline = list(
        TimelineEvent.objects.filter(customer=customer).select_related("actor__staff")[:TIMELINE_LIMIT]
    )
    return Portrait(
        customer=customer,
        tags=tags,
        indicators=record.values if record else {},
        as_of=record.as_of if record else None,
        holdings=holdings,
        timeline=timeline,
    )


def indicator_groups(values: dict[str, object]) -> list[dict[str, Any]]:
    """The page's collapsible groups: each indicator the customer has, named, in its group."""
    groups: dict[str, dict[str, Any]] = {}
    for definition in IndicatorDefinition.objects.order_by("group", "order", "code"):
        if definition.code not in values:
            continue
        group = groups.setdefault(
            definition.group, {"code": definition.group, "name": definition.get_group_display(), "items": []}
        )
        group["items"].append({"definition": definition, "value": values[definition.code]})
    order = list(IndicatorGroup.values)
    return sorted(groups.values(), key=lambda group: order.index(group["code"]))


def days_until(day: date | None) -> int | None:
    return None if day is None else (day - timezone.localdate()).days


def tag_list() -> QuerySet[TagDefinition]:
    return TagDefinition.objects.filter(active=True).order_by("category", "code")


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.prefetch_related("tags").order_by("code")
