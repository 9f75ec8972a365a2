"""The one job lifecycle: finished with its result, failed with the domain's words, or failed
generically (and raised again for a retry) on a bug."""

from __future__ import annotations

import pytest

from rm_portal.core.errors import Invalid
from rm_portal.core.jobs import job_run
from rm_portal.core.models import Job
from rm_portal.core.services import job_create

pytestmark = pytest.mark.django_db


def test_a_job_that_runs_through_is_done_with_its_result_and_progress(rm01a):
    job = job_create(owner=rm01a, kind="test")
    with job_run(job_id=job.pk, total=2) as running:
        running.progress(processed=1, errors=[{"row": 1, "detail": "坏行"}])
        running.progress(processed=2)
        running.result = {"created": 1}
    job.refresh_from_db()
    assert (job.state, job.processed, job.total, job.result) == ("done", 2, 2, {"created": 1})
    assert job.errors == [{"row": 1, "detail": "坏行"}]


def test_a_refusal_fails_the_job_with_its_own_words_and_is_not_raised(rm01a):
    job = job_create(owner=rm01a, kind="test")
    with job_run(job_id=job.pk) as running:
        running.progress(processed=3)
        raise Invalid("文件不是 CSV")
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.errors[-1] == {"detail": "文件不是 CSV"}


def test_a_bug_fails_the_job_generically_and_is_raised_for_a_retry(rm01a):
    job = job_create(owner=rm01a, kind="test")
    with pytest.raises(ZeroDivisionError), job_run(job_id=job.pk):
        _ = 1 / 0
    job.refresh_from_db()
    assert job.state == "failed"
    assert "内部错误" in job.errors[-1]["detail"]


def test_a_bug_with_a_retry_to_come_leaves_the_job_running(rm01a):
    job = job_create(owner=rm01a, kind="test")
    with pytest.raises(ZeroDivisionError), job_run(job_id=job.pk, final=False):
        _ = 1 / 0
    assert Job.objects.get(pk=job.pk).state == "running"
