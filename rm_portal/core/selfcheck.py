"""The worker self-check: head office starts a trivial job that proves a worker takes work off the
broker and writes back.

Starting it enqueues a task, and the task calls `core.services`; so the starter lives here, not in
`core.services`, and no module imports back into the one that imports it.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from rm_portal.core.models import Job
from rm_portal.core.services import job_create
from rm_portal.core.tasks import job_selfcheck


def worker_check_start(*, by: User) -> Job:
    job = job_create(owner=by, kind="selfcheck", total=1)
    transaction.on_commit(lambda: job_selfcheck.delay(job.pk))
    return job
