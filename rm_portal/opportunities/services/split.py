"""One generation run split by customer-id range across Celery workers: the way a bank outgrows one
machine (more workers on the same PostgreSQL, not a home-made scheduler).

The run is decided once (`opportunity_rules_run_split`): the moment `now`, each rule's `since`
(for `became(...)`), the rules in priority order, the feature table brought up to date. Each part
(`opportunity_rules_run_part`, one task) runs every rule, in priority order, over the customers of
its id range; the per-customer cap involves one customer's opportunities only, so parts never need
each other. The part that finishes last (`job_advance`) records the rules' `last_run_at` and
dispatches the run's notifications, once. Progress is the job's parts done of parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from celery import group
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from rm_portal.core.models import Job
from rm_portal.core.services import job_advance, job_create, job_finish, job_start
from rm_portal.customers.models import CustomerFeatures
from rm_portal.customers.services.tags import RuleContext
from rm_portal.opportunities.conditions import FIRST_RUN_WINDOW
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.services.generation import People, _chosen, _dispatch, _features, _run_rules

JOB_KIND = "opportunities_run"
MAX_PARTS = 256


class Plan(TypedDict):
    now: str
    rules: list[int]  # in priority order
    since: dict[str, str]  # rule id -> ISO datetime


def spans(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """`parts` inclusive id ranges covering low..high, of (nearly) equal width."""
    parts = max(1, min(parts, high - low + 1))
    width = (high - low + 1) / parts
    edges = [low + round(width * i) for i in range(parts)] + [high + 1]
    return [(edges[i], edges[i + 1] - 1) for i in range(parts) if edges[i] <= edges[i + 1] - 1]


@transaction.atomic
def opportunity_rules_run_split(
    *, owner: User, parts: int, codes: Sequence[str] = (), now: datetime | None = None
) -> Job:
    """Plan a run of the active rules (or the active ones among `codes`) in `parts` customer-id
    ranges and queue one task per range once committed; the answer is the job to poll."""
    from rm_portal.opportunities.tasks import opportunity_rules_run_part

    now = now or timezone.now()
    rules = OpportunityRule.objects.filter(active=True)
    if codes:
        rules = rules.filter(code__in=codes)
    chosen = _chosen(list(rules))
    _features(chosen, RuleContext.load())
    bounds = CustomerFeatures.objects.filter(present=True).aggregate(
        low=Min("customer_id"), high=Max("customer_id")
    )
    ranges = spans(bounds["low"], bounds["high"], min(parts, MAX_PARTS)) if bounds["low"] is not None else []
    job = job_create(owner=owner, kind=JOB_KIND, total=len(ranges))
    job_start(job_id=job.pk, total=len(ranges))
    plan: Plan = {
        "now": now.isoformat(),
        "rules": [rule.pk for rule in chosen],
        "since": {str(rule.pk): (rule.last_run_at or now - FIRST_RUN_WINDOW).isoformat() for rule in chosen},
    }
    if not ranges:
        _finish(job.pk, plan)
        return job
    job_id = job.pk
    # A group, not a chord: the last part ends the run itself, so no result backend is needed
    # (the embedded filesystem broker has none).
    parts_group = group(opportunity_rules_run_part.s(job_id, dict(plan), low, high) for low, high in ranges)
    transaction.on_commit(lambda: parts_group.apply_async())
    return job


def opportunity_rules_run_part(*, job_id: int, plan: Plan, low: int, high: int) -> dict[str, int]:
    """One range of a split run (safe to run twice: the open-per-rule constraint and the cooldown
    hold, and a second delivery finds nothing new); the last part to finish ends the run."""
    now = datetime.fromisoformat(plan["now"])
    by_id = OpportunityRule.objects.in_bulk(plan["rules"])
    rules = [by_id[pk] for pk in plan["rules"] if pk in by_id]
    since = {rule.pk: datetime.fromisoformat(plan["since"][str(rule.pk)]) for rule in rules}
    with transaction.atomic():
        created, _ran = _run_rules(
            rules, now=now, since=since, context=RuleContext.load(), people=People.load(), span=(low, high)
        )
    if job_advance(job_id=job_id):
        _finish(job_id, plan)
    return created


def _finish(job_id: int, plan: Plan) -> None:
    now = datetime.fromisoformat(plan["now"])
    OpportunityRule.objects.filter(pk__in=plan["rules"]).update(last_run_at=now)
    counts = dict(
        Opportunity.objects.filter(created_at=now, rule_id__in=plan["rules"])
        .values_list("rule__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    created = {
        rule.code: counts.get(rule.code, 0) for rule in OpportunityRule.objects.filter(pk__in=plan["rules"])
    }
    if any(created.values()):
        _dispatch(now=now, people=People.load())
    job_finish(job_id=job_id, result={"created": created})
