from __future__ import annotations

from celery import Task, shared_task

from rm_portal.notifications import delivery


@shared_task(bind=True, acks_late=True, max_retries=delivery.MAX_ATTEMPTS)
def notifications_deliver(self: Task, notification_ids: list[int]) -> int:
    """One round of attempts; the notifications whose attempt may succeed later go round again."""
    round_ = delivery.notifications_deliver(notification_ids=notification_ids)
    if round_.retry:
        raise self.retry(args=(round_.retry,), countdown=delivery.retry_delay(round_.attempt))
    return round_.sent


@shared_task(acks_late=True)
def notifications_sweep() -> int:
    # Imported here: the services module imports this one to enqueue deliveries.
    from rm_portal.notifications.services import notifications_sweep as sweep

    return sweep()
