"""Large ingestion batches, archived by the worker.

Every item is checked when the batch is accepted (no database needed), and what the batch stores
is the checked items (strings without NUL or lone surrogates, which PostgreSQL's jsonb would
refuse) and the refused ones by index — in the database before the 202. The task acks late and
retries, the sweeper resumes a batch whose worker or broker message was lost
(`ingest_batch_resume`, registered for the job kind), and ingestion is idempotent per message:
a worker dying anywhere mid-batch loses nothing and a rerun stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from compliance.models import IngestBatch
from compliance.services.ingestion import items_parse, items_store
from compliance.services.items import Item
from rm_portal.core.jobs import job_run
from rm_portal.core.models import Job
from rm_portal.core.services import job_create
from rm_portal.org.access import role_of
from rm_portal.org.models import Role

CHUNK = 500
KIND = "compliance_ingest"


@transaction.atomic
def ingest_batch_enqueue(*, items: Sequence[object], by: User) -> Job:
    gateway = role_of(by) == Role.GATEWAY
    parsed, errors = items_parse(items=items, by=by, gateway=gateway, now=timezone.now())
    job = job_create(owner=by, kind=KIND, total=len(items))
    batch = IngestBatch.objects.create(
        job=job, by=by, payload={"items": [i.as_json() for i in parsed], "errors": errors}
    )
    _enqueue(batch.pk)
    return job


def _enqueue(batch_id: int) -> None:
    from compliance.tasks import ingest_batch

    transaction.on_commit(lambda: ingest_batch.delay(batch_id))


def ingest_batch_resume(job_id: int) -> None:
    """The sweeper's resumer for a stale batch: queue it again (the rerun skips what is stored)."""
    batch_id = IngestBatch.objects.filter(job_id=job_id).values_list("pk", flat=True).first()
    if batch_id is not None:
        _enqueue(batch_id)


def _payload(batch: IngestBatch, *, gateway: bool) -> tuple[list[Item], list[dict[str, Any]]]:
    payload = batch.payload
    if isinstance(payload, list):  # a batch stored before items were checked on acceptance
        return items_parse(items=payload, by=batch.by, gateway=gateway, now=batch.created_at)
    return [Item.from_json(i) for i in payload["items"]], list(payload["errors"])


def ingest_batch_run(*, batch_id: int, final: bool = True) -> dict[str, Any]:
    """Archive a stored batch chunk by chunk, reporting progress and each chunk's bad items on the
    job. `final=False` (a retry is still to come) leaves the job running if this attempt breaks.
    A rerun (a retry, a resumed job) reports no error the job already lists."""
    batch = IngestBatch.objects.select_related("by__staff").get(pk=batch_id)
    gateway = batch.by.staff.role == Role.GATEWAY
    parsed, refused = _payload(batch, gateway=gateway)
    total = len(parsed) + len(refused)
    reported = {(e.get("index"), e.get("detail")) for e in Job.objects.get(pk=batch.job_id).errors}

    def new(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in errors if (e["index"], e["detail"]) not in reported]

    totals: dict[str, Any] = {"stored": 0, "duplicates": 0, "hits": 0, "errors": list(refused)}
    with job_run(job_id=batch.job_id, total=total, final=final) as job:
        job.progress(processed=len(refused), errors=new(refused))
        for offset in range(0, len(parsed), CHUNK):
            result = items_store(parsed=parsed[offset : offset + CHUNK], by=batch.by, gateway=gateway)
            totals["stored"] += result.stored
            totals["duplicates"] += result.duplicates
            totals["hits"] += result.hits
            totals["errors"].extend(result.errors)
            job.progress(processed=len(refused) + min(offset + CHUNK, len(parsed)), errors=new(result.errors))
        totals["errors"].sort(key=lambda e: int(e["index"]))
        IngestBatch.objects.filter(pk=batch_id).update(result=totals)
        job.result = {k: v for k, v in totals.items() if k != "errors"}
    return totals
