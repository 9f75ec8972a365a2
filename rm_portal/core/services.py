"""Writes for jobs and the scheduler heartbeat, called by API views and tasks alike."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.models import Heartbeat, Job
from rm_portal.core.resumers import resumer_for

logger = logging.getLogger(__name__)

MAX_JOB_ERRORS = 500  # a CSV with a million bad rows must not make one huge JSON column


def job_create(*, owner: User, kind: str, total: int | None = None) -> Job:
    return Job.objects.create(owner=owner, kind=kind, total=total)


def job_start(*, job_id: int, total: int | None = None) -> None:
    now = timezone.now()
    fields: dict[str, object] = {"state": Job.State.RUNNING, "started_at": now, "touched_at": now}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def job_progress(*, job_id: int, processed: int, errors: list[dict[str, object]] | None = None) -> None:
    """Record progress; new errors are appended, capped so the row stays small."""
    if errors:
        job = Job.objects.only("errors").get(pk=job_id)
        room = MAX_JOB_ERRORS - len(job.errors)
        Job.objects.filter(pk=job_id).update(
            processed=processed, errors=job.errors + errors[: max(room, 0)], touched_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job_id).update(processed=processed, touched_at=timezone.now())


def job_advance(*, job_id: int) -> bool:
    """One more part of a job split across workers is done: True for the call that completed its
    last part (the row lock makes exactly one caller see processed reach total)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().only("processed", "total").get(pk=job_id)
        processed = job.processed + 1
        Job.objects.filter(pk=job_id).update(processed=processed, touched_at=timezone.now())
    return job.total is not None and processed >= job.total


def job_finish(*, job_id: int, result: dict[str, object] | None = None) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(
        state=Job.State.DONE, finished_at=now, touched_at=now, result=result or {}
    )


def job_fail(*, job_id: int, reason: str) -> None:
    job = Job.objects.only("errors").get(pk=job_id)
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(
        state=Job.State.FAILED,
        finished_at=now,
        touched_at=now,
        errors=[*job.errors, {"detail": reason}][-MAX_JOB_ERRORS:],
    )


def job_restart(*, job_id: int) -> None:
    """A resumed job starts its count over: the new attempt reports every row again."""
    Job.objects.filter(pk=job_id).update(processed=0, errors=[], touched_at=timezone.now())


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """End or resume every queued or running job nobody has touched for JOB_STALE_MINUTES.

    A worker killed mid-task, or a message lost with a restarted broker, leaves a job that would
    say "running 5000/40000" forever. Each stale job is claimed once (a conditional update, so two
    sweepers never both act); a kind with a registered resumer is re-enqueued, at most
    JOB_MAX_RESUMES times (resumers are idempotent: the work they re-run skips what is done);
    anything else ends as failed, with a reason a person can act on."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.JOB_STALE_MINUTES)
    counts = {"resumed": 0, "failed": 0}
    candidates = Job.objects.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING], touched_at__lt=stale)
    for job in candidates.only("id", "kind", "resumes", "touched_at", "state"):
        claimed = Job.objects.filter(pk=job.pk, touched_at=job.touched_at, state=job.state).update(
            touched_at=now, resumes=F("resumes") + 1
        )
        if not claimed:
            continue
        resumer = resumer_for(job.kind)
        if resumer is not None and job.resumes < settings.JOB_MAX_RESUMES:
            logger.warning("job %s (%s) was stale; resuming (attempt %s)", job.pk, job.kind, job.resumes + 1)
            resumer(job.pk)
            counts["resumed"] += 1
            continue
        logger.warning("job %s (%s) was stale; failing it", job.pk, job.kind)
        job_fail(job_id=job.pk, reason=_("任务中断（处理进程停止），未能自动恢复：请重新提交"))
        counts["failed"] += 1
    return counts


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
