from __future__ import annotations

from celery import shared_task

from rm_portal.notifications import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notifications_deliver(notification_ids: list[int]) -> int:
    return services.notifications_deliver(notification_ids=notification_ids)
