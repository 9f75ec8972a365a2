"""Celery tasks of the compliance app: each takes ids and calls its service."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from compliance.services import batches


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=10)
def ingest_batch(self: Task[Any, Any], batch_id: int) -> dict[str, Any]:
    final = self.request.retries >= (self.max_retries or 0)
    try:
        return batches.ingest_batch_run(batch_id=batch_id, final=final)
    except Exception as error:
        if final:
            raise
        raise self.retry(exc=error) from error


@shared_task(acks_late=True)
def archive_checkpoint() -> dict[str, Any]:
    """The scheduled checkpoint: every chain head signed and written outside the database."""
    from compliance.services.checkpoints import checkpoint_write

    checkpoint = checkpoint_write(reason="schedule")
    return {"number": checkpoint.body["number"], "messages": checkpoint.body["messages"]}
