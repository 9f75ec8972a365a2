from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from rm_portal.checklists import services


@shared_task(acks_late=True)
def checklists_tick() -> dict[str, int]:
    """Every minute: fire templates whose time has come, send late reminders, close past days."""
    return asdict(services.checklists_tick())
