"""Large ingestion batches, archived by the worker.

The batch's payload is stored before the task is queued, the task acks late and retries, and
ingestion is idempotent on (channel, external_id): a worker dying mid-batch loses nothing and a
rerun stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from compliance.models import IngestBatch
from compliance.services.ingestion import messages_ingest
from rm_portal.core.jobs import job_run
from rm_portal.core.models import Job
from rm_portal.core.services import job_create
from rm_portal.org.models import Role

CHUNK = 500


@transaction.atomic
def ingest_batch_enqueue(*, items: Sequence[object], by: User) -> Job:
    from compliance.tasks import ingest_batch

    job = job_create(owner=by, kind="compliance_ingest", total=len(items))
    batch = IngestBatch.objects.create(job=job, by=by, payload=list(items))
    transaction.on_commit(lambda: ingest_batch.delay(batch.pk))
    return job


def ingest_batch_run(*, batch_id: int, final: bool = True) -> dict[str, Any]:
    """Archive a stored batch chunk by chunk, reporting progress and each chunk's bad items on the
    job. `final=False` (a retry is still to come) leaves the job running if this attempt breaks."""
    batch = IngestBatch.objects.select_related("by__staff").get(pk=batch_id)
    gateway = batch.by.staff.role == Role.GATEWAY
    payload: list[object] = list(batch.payload)
    totals: dict[str, Any] = {"stored": 0, "duplicates": 0, "hits": 0, "errors": []}
    with job_run(job_id=batch.job_id, total=len(payload), final=final) as job:
        for offset in range(0, len(payload), CHUNK):
            result = messages_ingest(items=payload[offset : offset + CHUNK], by=batch.by, gateway=gateway)
            errors = [{**e, "index": e["index"] + offset} for e in result.errors]
            totals["stored"] += result.stored
            totals["duplicates"] += result.duplicates
            totals["hits"] += result.hits
            totals["errors"].extend(errors)
            job.progress(processed=min(offset + CHUNK, len(payload)), errors=errors)
        IngestBatch.objects.filter(pk=batch_id).update(result=totals)
        job.result = {k: v for k, v in totals.items() if k != "errors"}
    return totals
