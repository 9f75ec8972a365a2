"""Large ingestion batches run on the worker. The batch's payload is stored before the task is
queued, the task acks late and retries, and ingestion is idempotent on (channel, external_id):
a worker dying mid-batch loses nothing and a rerun stores nothing twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.contrib.auth.models import User
from django.db import transaction

from compliance.models import IngestBatch
from compliance.services.archive import messages_ingest
from rm_portal.core.models import Job
from rm_portal.core.services import job_create, job_fail, job_finish, job_progress, job_start
from rm_portal.org.models import Role

CHUNK = 500


@transaction.atomic
def ingest_batch_enqueue(*, items: list[Any], by: User, gateway: bool) -> Job:
    job = job_create(owner=by, kind="compliance_ingest", total=len(items))
    batch = IngestBatch.objects.create(job=job, by=by, payload=items)
    transaction.on_commit(lambda: ingest_batch.delay(batch.pk))
    return job


def ingest_batch_run(*, batch_id: int) -> dict[str, Any]:
    batch = IngestBatch.objects.select_related("by__staff").get(pk=batch_id)
    gateway = batch.by.staff.role == Role.GATEWAY
    job_start(job_id=batch.job_id, total=len(batch.payload))
    totals: dict[str, Any] = {"stored": 0, "duplicates": 0, "hits": 0, "errors": []}
    for offset in range(0, len(batch.payload), CHUNK):
        result = messages_ingest(items=batch.payload[offset : offset + CHUNK], by=batch.by, gateway=gateway)
        errors = [{**e, "index": e["index"] + offset} for e in result.errors]
        totals["stored"] += result.stored
        totals["duplicates"] += result.duplicates
        totals["hits"] += result.hits
        totals["errors"].extend(errors)
        job_progress(job_id=batch.job_id, processed=min(offset + CHUNK, len(batch.payload)), errors=errors)
    IngestBatch.objects.filter(pk=batch_id).update(result=totals)
    job_finish(job_id=batch.job_id, result={k: v for k, v in totals.items() if k != "errors"})
    return totals


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=10)
def ingest_batch(self, batch_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    try:
        return ingest_batch_run(batch_id=batch_id)
    except Exception as error:
        if self.request.retries >= self.max_retries:
            batch = IngestBatch.objects.get(pk=batch_id)
            job_fail(job_id=batch.job_id, reason=str(error)[:500])
            raise
        raise self.retry(exc=error) from error
