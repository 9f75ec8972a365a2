from __future__ import annotations

from celery import Task, shared_task

from rm_portal.wecom import services

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def wecom_event_handle(self: Task, event_id: int) -> str:
    """Handle one stored callback event; a handler that fails (WeCom unreachable, a WeComError) is
    tried again after 30 s, 1, 2, 4, 8 min, and the event is `failed` after the last attempt."""
    try:
        return services.callback_event_handle(
            event_id=event_id, last_attempt=self.request.retries >= MAX_RETRIES
        )
    except Exception as error:
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error


@shared_task(acks_late=True)
def wecom_events_sweep() -> int:
    return services.callback_events_sweep()


@shared_task(acks_late=True)
def wecom_transfer_start(handover_id: int) -> str:
    """After a handover committed: the WeCom transfer's rows, then the first chunks sent. A chunk
    WeCom refuses is retried by the poll below, with its pause (transfers.transfer_send)."""
    from rm_portal.wecom import transfers

    transfer = transfers.transfer_start(handover_id=handover_id)
    transfers.transfer_send(transfer_id=transfer.pk)
    return str(transfer.state)


@shared_task(acks_late=True)
def wecom_transfers_poll() -> int:
    from rm_portal.wecom import transfers

    return transfers.transfers_poll()


@shared_task(acks_late=True)
def wecom_stats_rollup() -> str:
    from rm_portal.wecom.stats_rollup import contact_figures_rebuild

    build = contact_figures_rebuild()
    return f"through {build.through} in {build.seconds:.1f} s"
