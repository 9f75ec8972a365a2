"""Writes for jobs and the scheduler heartbeat, called by API views and tasks alike."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from rm_portal.core.models import Heartbeat, Job

MAX_JOB_ERRORS = 500  # a CSV with a million bad rows must not make one huge JSON column


def job_create(*, owner: User, kind: str, total: int | None = None) -> Job:
    return Job.objects.create(owner=owner, kind=kind, total=total)


def job_start(*, job_id: int, total: int | None = None) -> None:
    fields: dict[str, object] = {"state": Job.State.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def job_progress(*, job_id: int, processed: int, errors: list[dict[str, object]] | None = None) -> None:
    """Record progress; new errors are appended, capped so the row stays small."""
    if errors:
        job = Job.objects.only("errors").get(pk=job_id)
        room = MAX_JOB_ERRORS - len(job.errors)
        Job.objects.filter(pk=job_id).update(processed=processed, errors=job.errors + errors[: max(room, 0)])
    else:
        Job.objects.filter(pk=job_id).update(processed=processed)


def job_finish(*, job_id: int, result: dict[str, object] | None = None) -> None:
    Job.objects.filter(pk=job_id).update(
        state=Job.State.DONE, finished_at=timezone.now(), result=result or {}
    )


def job_fail(*, job_id: int, reason: str) -> None:
    job = Job.objects.only("errors").get(pk=job_id)
    Job.objects.filter(pk=job_id).update(
        state=Job.State.FAILED,
        finished_at=timezone.now(),
        errors=[*job.errors, {"detail": reason}][-MAX_JOB_ERRORS:],
    )


def job_selfcheck_run(*, job_id: int) -> None:
    """A trivial job that proves a worker picked work off the broker and wrote back."""
    job_start(job_id=job_id, total=1)
    job_progress(job_id=job_id, processed=1)
    job_finish(job_id=job_id, result={"worker": "ok"})


def heartbeat_record(*, name: str = "scheduler") -> Heartbeat:
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(beats=F("beats") + 1, last_at=now)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"beats": 1, "last_at": now})
    return Heartbeat.objects.get(name=name)
