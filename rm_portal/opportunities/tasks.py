from __future__ import annotations

from celery import shared_task

from rm_portal.opportunities.models import OpportunityRule
from rm_portal.opportunities.services.execution import opportunities_overdue_sweep
from rm_portal.opportunities.services.generation import opportunity_rules_run


@shared_task(acks_late=True)
def opportunity_rules_run_all(codes: list[str] | None = None) -> dict[str, int]:
    """Safe to run twice: the open-per-rule-and-customer constraint and cooldown hold the line."""
    rules = OpportunityRule.objects.filter(active=True)
    if codes:
        rules = rules.filter(code__in=codes)
    return opportunity_rules_run(rules=list(rules))


@shared_task(acks_late=True)
def opportunities_overdue_run() -> int:
    return opportunities_overdue_sweep()
