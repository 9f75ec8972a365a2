from __future__ import annotations

from celery import shared_task

from rm_portal.outreach.services import sending


@shared_task(acks_late=True)
def outreach_send_chunks(task_id: int) -> int:
    """After the send committed: each chunk to WeCom; a refused one waits for the beat below."""
    return sending.outreach_chunks_send(task_id=task_id)


@shared_task(acks_late=True)
def outreach_tick() -> int:
    """Chunks due again after a refusal, then the senders' results until final (3 days at most)."""
    sending.outreach_retry_due()
    return sending.outreach_results_poll()
