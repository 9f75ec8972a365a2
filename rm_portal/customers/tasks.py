"""Celery tasks: each takes ids or plain values and calls a service."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from rm_portal.customers.services.imports import customers_import_stored
from rm_portal.customers.services.tags import tags_recompute


@shared_task(acks_late=True)
def customers_import_run(job_id: int, name: str, as_of: str) -> None:
    """Import an uploaded file, then recompute every tag; progress and errors go to the job."""
    customers_import_stored(job_id=job_id, name=name, as_of=date.fromisoformat(as_of))


@shared_task(acks_late=True)
def tags_recompute_run(codes: list[str] | None = None) -> dict[str, dict[str, int]]:
    return tags_recompute(codes=codes)
