from __future__ import annotations

from celery import shared_task

from rm_portal.opportunities.services import split
from rm_portal.opportunities.services.execution import opportunities_overdue_sweep
from rm_portal.opportunities.services.generation import opportunity_rules_run_active
from rm_portal.opportunities.services.split import Plan


@shared_task(acks_late=True)
def opportunity_rules_run_all(codes: list[str] | None = None) -> dict[str, int]:
    """Safe to run twice: the open-per-rule-and-customer constraint and cooldown hold the line."""
    return opportunity_rules_run_active(codes=codes or ())


@shared_task(acks_late=True)
def opportunities_overdue_run() -> int:
    return opportunities_overdue_sweep()


@shared_task(acks_late=True)
def opportunity_rules_run_part(job_id: int, plan: Plan, low: int, high: int) -> dict[str, int]:
    """One customer-id range of a split run (services/split.py)."""
    return split.opportunity_rules_run_part(job_id=job_id, plan=plan, low=low, high=high)
