"""Import of the indicator wide table (CSV of `cust_no` + indicator codes + optional customer columns).

Whole-file problems (encoding, header) fail the job before anything is written. Row problems
are reported with the row number (the header is row 1) and skip only that row: a bad row
leaves the customer's previous values intact. Re-importing the same file changes nothing.

    rows.py     encoding, header and row parsing (nothing written)
    writes.py   bulk writes of a batch of parsed rows
    reader.py   `customers_import`: a whole file, batch by batch, with progress
    here        the upload (store the file, create the job, queue it) and the job itself
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.jobs import job_run
from rm_portal.core.models import Job
from rm_portal.core.services import job_create, job_fail, job_restart
from rm_portal.customers.models import ImportUpload
from rm_portal.customers.services.imports.reader import ImportResult, customers_import, too_large
from rm_portal.customers.services.imports.rows import (
    ImportFailed,
    decode,
    header_check,
    header_peek,
    max_import_bytes,
)
from rm_portal.customers.services.tags import tags_recompute

__all__ = [
    "ImportFailed",
    "ImportResult",
    "customers_import",
    "customers_import_resume",
    "customers_import_stored",
    "customers_import_upload",
    "decode",
    "header_check",
    "header_peek",
    "max_import_bytes",
]

logger = logging.getLogger(__name__)
PEEK_BYTES = 64 * 1024
JOB_KIND = "customers_import"  # the kind of its jobs, and of its resumer


@transaction.atomic
def customers_import_upload(*, by: User, upload: UploadedFile, as_of: date | None = None) -> Job:
    """Check the file's size, encoding and header at once (a bad file is refused before any job
    exists), store it, create the job and queue the import once the job is committed."""
    if (upload.size or 0) > max_import_bytes():
        raise too_large()
    upload.seek(0)
    header_peek(upload.read(PEEK_BYTES))
    upload.seek(0)
    name = default_storage.save(f"imports/customers/{uuid.uuid4().hex}.csv", upload)
    job = job_create(owner=by, kind=JOB_KIND)
    stored = ImportUpload.objects.create(job=job, name=name, as_of=as_of or timezone.localdate())
    _queue(stored)
    return job


def _queue(stored: ImportUpload) -> None:
    from rm_portal.customers.tasks import customers_import_run

    job_id, name, day = stored.job_id, stored.name, stored.as_of.isoformat()
    transaction.on_commit(lambda: customers_import_run.delay(job_id, name, day))


@transaction.atomic
def customers_import_resume(*, job_id: int) -> None:
    """The resumer of a stale import (registered for its job kind; called by `jobs_sweep`): queue
    the stored file again. Rows the lost attempt wrote are found unchanged (the import is
    idempotent row by row), so the job counts them as such; its progress and row errors start
    over, since the new attempt reports every row again. Without the stored file the job fails
    with a reason the person can act on."""
    stored = ImportUpload.objects.filter(job_id=job_id).first()
    if stored is None or not default_storage.exists(stored.name):
        if stored is not None:
            stored.delete()
        job_fail(job_id=job_id, reason=_upload_gone())
        return
    job_restart(job_id=job_id)
    _queue(stored)


def _upload_gone() -> str:
    return _("导入中断，上传的文件已不在，无法继续：请重新上传文件")


def customers_import_stored(*, job_id: int, name: str, as_of: date) -> None:
    """The queued import: the stored file, then every tag recomputed; the job records it all.
    A refused file fails the job with its reason; the file is removed once the job is decided.
    A message delivered again for a job already decided (the broker redelivers what a killed
    worker never acknowledged, after the sweeper resumed it) does nothing."""
    if not Job.objects.filter(pk=job_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists():
        logger.info("import job %s is already decided; message ignored", job_id)
        return
    with job_run(job_id=job_id) as job:
        try:
            try:
                with default_storage.open(name, "rb") as handle:
                    raw = handle.read()
            except FileNotFoundError:
                raise ImportFailed(_upload_gone()) from None
            result = customers_import(raw=raw, as_of=as_of, job=job)
        except ImportFailed:
            _forget(job_id, name)
            raise
        _forget(job_id, name)
        summary: dict[str, object] = {key: value for key, value in result.items() if key != "errors"}
        try:
            changes = tags_recompute()
        except Exception:
            # The data is in; the nightly recompute will try the tags again.
            logger.exception("tag recompute after import %s failed", job_id)
            changes = {}
            summary["tags_error"] = True
        summary["tags_added"] = sum(c["added"] for c in changes.values())
        summary["tags_removed"] = sum(c["removed"] for c in changes.values())
        job.result = summary


def _forget(job_id: int, name: str) -> None:
    default_storage.delete(name)
    ImportUpload.objects.filter(job_id=job_id).delete()
