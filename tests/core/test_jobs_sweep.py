"""A job whose worker was lost never stays "running" forever: the sweeper resumes what can be
resumed and ends the rest with a reason a person can read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rm_portal.core import resumers
from rm_portal.core.models import Job
from rm_portal.core.services import job_create, job_progress, job_start, jobs_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def resumed(monkeypatch):
    calls: list[int] = []
    monkeypatch.setitem(resumers._RESUMERS, "resumable", calls.append)
    return calls


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_stale_running_job_of_a_kind_nobody_can_resume_ends_failed_with_a_reason(rm01a, settings):
    job = job_create(owner=rm01a, kind="one_off", total=40000)
    job_start(job_id=job.pk)
    job_progress(job_id=job.pk, processed=5000)
    assert jobs_sweep(now=later(settings.JOB_STALE_MINUTES + 1)) == {"resumed": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == "failed"
    assert "任务中断" in job.errors[-1]["detail"]


def test_a_job_that_reports_progress_is_left_alone(rm01a, settings):
    job = job_create(owner=rm01a, kind="one_off")
    job_start(job_id=job.pk)
    assert jobs_sweep(now=later(settings.JOB_STALE_MINUTES - 1)) == {"resumed": 0, "failed": 0}
    assert Job.objects.get(pk=job.pk).state == "running"


def test_finished_and_failed_jobs_are_never_swept(rm01a, settings):
    Job.objects.create(owner=rm01a, kind="one_off", state="done")
    Job.objects.create(owner=rm01a, kind="one_off", state="failed")
    assert jobs_sweep(now=later(10_000)) == {"resumed": 0, "failed": 0}


def test_a_stale_job_of_a_resumable_kind_is_resumed_once_per_sweep(rm01a, settings, resumed):
    job = job_create(owner=rm01a, kind="resumable")
    when = later(settings.JOB_STALE_MINUTES + 1)
    assert jobs_sweep(now=when) == {"resumed": 1, "failed": 0}
    assert jobs_sweep(now=when) == {"resumed": 0, "failed": 0}  # touched by the first sweep
    assert resumed == [job.pk]
    assert Job.objects.get(pk=job.pk).resumes == 1


def test_a_job_that_keeps_losing_its_worker_ends_failed_after_the_last_resume(rm01a, settings, resumed):
    settings.JOB_MAX_RESUMES = 2
    job = job_create(owner=rm01a, kind="resumable")
    for sweep in range(1, 4):
        jobs_sweep(now=later(sweep * (settings.JOB_STALE_MINUTES + 1)))
    assert resumed == [job.pk, job.pk]
    job.refresh_from_db()
    assert job.state == "failed"
    assert "任务中断" in job.errors[-1]["detail"]
