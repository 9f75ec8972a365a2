"""An import whose worker was lost (SIGKILL, a restarted machine) does not stay "running 5000/40000":
the sweeper queues its stored file again, the import skips what the lost attempt wrote, and the job
ends done; without the stored file it ends failed with a reason a person can act on."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from rm_portal.core.models import Job
from rm_portal.core.services import job_progress, job_start, jobs_sweep
from rm_portal.customers.models import Customer, CustomerTag, ImportUpload, OwnershipRecord, TagDefinition
from rm_portal.customers.services.imports import customers_import, customers_import_upload
from tests.customers.test_import import GOOD, upload

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 20)


@pytest.fixture
def setup(settings, tmp_path, b01, b02, rm01a, rm01b, rm02a, hq_admin):
    from tests.customers.factories import indicators

    settings.MEDIA_ROOT = tmp_path
    indicators()
    TagDefinition.objects.create(code="hnw", name="高净值", rule="aum >= 1000000")


def later(settings) -> datetime:
    return timezone.now() + timedelta(minutes=settings.JOB_STALE_MINUTES + 1)


def lost_import(hq_admin, django_capture_on_commit_callbacks, content: str = GOOD) -> Job:
    """An uploaded import whose worker wrote the first row, reported progress and was killed."""
    with django_capture_on_commit_callbacks(execute=False):  # the queued task never runs
        job = customers_import_upload(by=hq_admin, upload=upload(content.encode()), as_of=AS_OF)
    job_start(job_id=job.pk, total=3)
    first_row = "\n".join(content.splitlines()[:2]) + "\n"
    customers_import(raw=first_row.encode(), as_of=AS_OF)
    job_progress(job_id=job.pk, processed=1, errors=[{"row": 9, "cust_no": "X", "detail": "旧的"}])
    return job


def test_a_stale_import_with_its_file_stored_is_resumed_and_completes(
    setup, hq_admin, settings, django_capture_on_commit_callbacks
):
    job = lost_import(hq_admin, django_capture_on_commit_callbacks)
    assert Customer.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep(now=later(settings)) == {"resumed": 1, "failed": 0}
    job.refresh_from_db()
    assert job.state == "done", job.errors
    # The row the lost attempt wrote is found unchanged; nothing is written twice.
    assert (job.result["created"], job.result["unchanged"], job.result["rows"]) == (2, 1, 3)
    assert (job.processed, job.errors) == (3, [])  # progress and errors start over with the attempt
    assert Customer.objects.count() == 3 and OwnershipRecord.objects.count() == 3
    assert list(CustomerTag.objects.values_list("customer__cust_no", flat=True)) == ["N1"]
    assert not ImportUpload.objects.exists()
    assert default_storage.listdir("imports/customers") == ([], [])


def test_a_stale_import_whose_file_is_gone_fails_with_a_reason(
    setup, hq_admin, settings, django_capture_on_commit_callbacks
):
    job = lost_import(hq_admin, django_capture_on_commit_callbacks)
    default_storage.delete(ImportUpload.objects.get(job=job).name)
    with django_capture_on_commit_callbacks(execute=True):
        jobs_sweep(now=later(settings))
    job.refresh_from_db()
    assert job.state == "failed"
    assert "上传的文件已不在" in job.errors[-1]["detail"] and "重新上传" in job.errors[-1]["detail"]
    assert not ImportUpload.objects.exists()


def test_a_message_delivered_again_for_a_decided_import_does_nothing(
    setup, hq_admin, settings, django_capture_on_commit_callbacks
):
    from rm_portal.customers.tasks import customers_import_run

    job = lost_import(hq_admin, django_capture_on_commit_callbacks)
    name = ImportUpload.objects.get(job=job).name
    with django_capture_on_commit_callbacks(execute=True):
        jobs_sweep(now=later(settings))
    decided = Job.objects.get(pk=job.pk)
    # The broker redelivers the killed worker's unacknowledged message, long after.
    customers_import_run.delay(job.pk, name, AS_OF.isoformat())
    again = Job.objects.get(pk=job.pk)
    assert (again.state, again.result, again.errors) == ("done", decided.result, [])


def test_an_import_whose_file_vanished_before_it_ran_fails_with_a_reason(
    setup, hq_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = customers_import_upload(by=hq_admin, upload=upload(GOOD.encode()), as_of=AS_OF)
    default_storage.delete(ImportUpload.objects.get(job=job).name)
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.state == "failed" and "上传的文件已不在" in job.errors[-1]["detail"]
