"""Demo portraits: 448 indicators in four groups, ~65 tags by rule, segments, ~3,000 customers.

Deterministic (random.Random with a fixed seed per customer) and idempotent: a second run
finds every definition and customer in place and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from rm_portal.customers.models import (
    Customer,
    Holding,
    HoldingType,
    IndicatorDefinition,
    IndicatorValues,
    OwnershipRecord,
    Segment,
    TagDefinition,
    TimelineEvent,
)
from rm_portal.customers.phones import phone_tail_of
from rm_portal.customers.seed.indicators import indicator_catalogue
from rm_portal.customers.seed.people import _customer, _values
from rm_portal.customers.seed.tags import SEGMENTS, TAGS
from rm_portal.customers.services import timeline_record_many
from rm_portal.customers.services.tags import segment_create, tag_create, tags_recompute
from rm_portal.org.models import Branch

__all__ = ["OWNERS", "SEGMENTS", "TAGS", "_customer", "_values", "indicator_catalogue", "seed"]

ORDER = 20
# (owner, branch, how many customers): 3,000 in all. Read at each run (the benchmarks empty it to
# seed the definitions and tags only).
OWNERS = [
    ("rm01a", "B01", 1100),
    ("rm01b", "B01", 900),
    ("rm02a", "B02", 950),
    (None, "B01", 30),
    (None, "B02", 20),
]
SMALL_SHARE = 15  # `small=True`: the first 1/15 of each owner's customers, about 200 in all


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    """Indicators, tags, segments and customers (3,000; about 200 with `small`, for tests: the same
    shapes, and each one the same customer it is in the full demo)."""
    existing_codes = set(IndicatorDefinition.objects.values_list("code", flat=True))
    IndicatorDefinition.objects.bulk_create(
        [
            IndicatorDefinition(code=code, name=name, group=group, type=kind, unit=unit, order=i)
            for i, (code, name, group, kind, unit) in enumerate(indicator_catalogue())
            if code not in existing_codes
        ]
    )
    tags_created = 0
    for code, name, category, rule in TAGS:
        if not TagDefinition.objects.filter(code=code).exists():
            # Every tag is recomputed once below, after the customers are in.
            tag_create(code=code, name=name, category=category, rule=rule, recompute=False)
            tags_created += 1
    for code, name, tag_codes, match, description in SEGMENTS:
        if not Segment.objects.filter(code=code).exists():
            segment_create(code=code, name=name, tags=tag_codes, match=match, description=description)

    today = timezone.localdate()
    now = timezone.now()
    branches = dict(Branch.objects.values_list("code", "id"))
    users = dict(User.objects.filter(username__in=["rm01a", "rm01b", "rm02a"]).values_list("username", "id"))
    known = set(Customer.objects.values_list("cust_no", flat=True))
    new_customers: list[Customer] = []
    extras: dict[str, tuple[list[Holding], dict]] = {}
    index = 0
    for username, branch_code, count in OWNERS:
        wanted = max(1, count // SMALL_SHARE) if small else count
        for n in range(count):
            index += 1
            if n >= wanted:
                continue
            cust_no = f"62{index:08d}"
            if cust_no in known:
                continue
            data, holdings, rng = _customer(index, branch_code, today)
            tds = [
                ((h.maturity_date - today).days, h.amount)
                for h in holdings
                if h.type == HoldingType.TIME_DEPOSIT and h.maturity_date is not None
            ]
            values = _values(rng, data, tds, 0)
            new_customers.append(
                Customer(
                    cust_no=cust_no,
                    name=data["name"],
                    phone=data["phone"],
                    phone_tail=phone_tail_of(data["phone"]),
                    id_number=data["id_number"],
                    birthday=data["birthday"],
                    branch_id=branches[branch_code],
                    owner_id=users.get(username) if username else None,
                    risk_rating=f"C{data['risk']}",
                    consents={"wealth": values["consent_wealth"], "loan": values["consent_loan"]},
                    aum=data["aum"],
                    opened_on=today - timedelta(days=30 * data["months"]),
                )
            )
            extras[cust_no] = (holdings, values)
    Customer.objects.bulk_create(new_customers, batch_size=1000)
    created = {c.cust_no: c.pk for c in new_customers}
    holdings_rows, value_rows, ownership, events = [], [], [], []
    for cust_no, (holdings, values) in extras.items():
        pk = created[cust_no]
        for holding in holdings:
            holding.customer_id = pk
            holdings_rows.append(holding)
        value_rows.append(IndicatorValues(customer_id=pk, as_of=today, values=values, is_latest=True))
    for customer in new_customers:
        if customer.owner_id:
            ownership.append(
                OwnershipRecord(customer=customer, owner_id=customer.owner_id, started_at=now, reason="seed")
            )
            if int(customer.cust_no) % 7 == 0:
                events.append(
                    TimelineEvent(
                        customer=customer,
                        kind="note",
                        title="电话回访：客户关注定期到期后的理财配置",
                        actor_id=customer.owner_id,
                        occurred_at=now - timedelta(days=int(customer.cust_no) % 30),
                    )
                )
    Holding.objects.bulk_create(holdings_rows, batch_size=2000)
    IndicatorValues.objects.bulk_create(value_rows, batch_size=500)
    OwnershipRecord.objects.bulk_create(ownership, batch_size=2000)
    timeline_record_many(events=events)
    changes = tags_recompute() if new_customers or tags_created else {}
    tagged = sum(c["added"] for c in changes.values())
    log(
        f"customers: {len(indicator_catalogue())} indicators, {tags_created} tags created, "
        f"{len(new_customers)} customers created, {tagged} tags assigned"
    )
