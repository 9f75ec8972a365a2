from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from rm_portal.core.services import job_fail, job_finish
from rm_portal.customers.services.imports import ImportFailed, customers_import
from rm_portal.customers.services.tags import tags_recompute

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def customers_import_run(job_id: int, name: str, as_of: str) -> None:
    """Import an uploaded file, then recompute every tag; progress and errors go to the job."""
    try:
        with default_storage.open(name, "rb") as handle:
            raw = handle.read()
        result = customers_import(raw=raw, as_of=date.fromisoformat(as_of), job_id=job_id)
    except ImportFailed as error:
        job_fail(job_id=job_id, reason=str(error))
        return
    except Exception:
        logger.exception("customer import %s failed", job_id)
        job_fail(job_id=job_id, reason=_("导入失败：内部错误，请联系管理员"))
        return
    result.pop("errors", None)
    try:
        changes = tags_recompute()
    except Exception:
        # The data is in; the nightly recompute will try the tags again.
        logger.exception("tag recompute after import %s failed", job_id)
        changes = {}
        result["tags_error"] = True
    result["tags_added"] = sum(c["added"] for c in changes.values())
    result["tags_removed"] = sum(c["removed"] for c in changes.values())
    job_finish(job_id=job_id, result=result)
    default_storage.delete(name)


@shared_task(acks_late=True)
def tags_recompute_run(codes: list[str] | None = None) -> dict[str, dict[str, int]]:
    return tags_recompute(codes=codes)
