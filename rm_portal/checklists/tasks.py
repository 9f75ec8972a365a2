from __future__ import annotations

from celery import shared_task

from rm_portal.checklists import services


@shared_task(acks_late=True)
def checklists_tick() -> dict:
    """Every minute: fire templates whose time has come, send late reminders, close past days."""
    return services.checklists_tick().__dict__
