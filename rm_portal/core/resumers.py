"""Which kinds of job can be resumed after their worker was lost, and how.

An app registers, for a job kind, a function that re-enqueues that job's work from what is stored
(the upload, the batch's payload) — on commit, and idempotently: the work skips what an earlier
attempt already did. The sweeper (`rm_portal.core.services.jobs_sweep`) calls it for a stale job;
a kind without a resumer is failed with a reason instead.

    register_resumer("customers_import", lambda job_id: customers_import_resume(job_id=job_id))
"""

from __future__ import annotations

from collections.abc import Callable

Resumer = Callable[[int], None]  # job id -> re-enqueue its work

_RESUMERS: dict[str, Resumer] = {}


def register_resumer(kind: str, resumer: Resumer) -> None:
    _RESUMERS[kind] = resumer


def resumer_for(kind: str) -> Resumer | None:
    return _RESUMERS.get(kind)
