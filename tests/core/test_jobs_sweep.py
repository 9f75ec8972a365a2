"""A job whose worker was lost never stays "running" forever: the sweeper resumes what can be
resumed and ends the rest with a reason a person can read."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rm_portal.core import resumers
from rm_portal.core.models import Job
from rm_portal.core.services import job_create, job_progress, job_start, jobs_sweep
from tests.conftest import need

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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_resume_each_stale_job_once(rm01a, settings, resumed):
    """Two beat processes (a restart overlapping the old one, two schedulers by mistake) sweep at the
    same moment on their own connections: the conditional claim lets one of them act per job."""
    need(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    jobs = [job_create(owner=rm01a, kind="resumable") for _ in range(20)]
    when = later(settings.JOB_STALE_MINUTES + 1)
    start = threading.Barrier(2)
    counts: list[dict[str, int]] = []

    def sweep() -> None:
        try:
            start.wait(timeout=30)
            counts.append(jobs_sweep(now=when))
        finally:
            connection.close()

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweepers:
        thread.start()
    for thread in sweepers:
        thread.join(timeout=60)
    assert sum(c["resumed"] for c in counts) == 20 and sum(c["failed"] for c in counts) == 0
    assert sorted(resumed) == sorted(job.pk for job in jobs)  # each job once, by one sweeper
    assert set(Job.objects.values_list("resumes", flat=True)) == {1}
