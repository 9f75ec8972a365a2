from __future__ import annotations

from rm_portal.core.models import Job
from rm_portal.core.services import MAX_JOB_ERRORS, job_create, job_progress, job_start


def test_the_owner_follows_a_jobs_progress(api, hq_admin):
    job = job_create(owner=hq_admin, kind="import")
    job_start(job_id=job.pk, total=10)
    job_progress(job_id=job.pk, processed=4, errors=[{"row": 3, "detail": "非数字"}])
    body = api(hq_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "running"
    assert (body["processed"], body["total"]) == (4, 10)
    assert body["errors"] == [{"row": 3, "detail": "非数字"}]


def test_someone_elses_job_is_a_404_like_a_missing_one(api, hq_admin, rm01a):
    job = job_create(owner=hq_admin, kind="import")
    assert api(rm01a).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api(rm01a).get("/api/v1/jobs/999999/").status_code == 404


def test_a_non_numeric_job_id_is_a_404(api, rm01a):
    assert api(rm01a).get("/api/v1/jobs/abc/").status_code == 404


def test_errors_are_capped_so_one_bad_file_cannot_bloat_the_row(hq_admin):
    job = job_create(owner=hq_admin, kind="import")
    for batch in range(3):
        job_progress(job_id=job.pk, processed=batch, errors=[{"row": i} for i in range(MAX_JOB_ERRORS)])
    assert len(Job.objects.get(pk=job.pk).errors) == MAX_JOB_ERRORS


def test_head_office_worker_check_runs_a_job_to_done(api, hq_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api(hq_admin).post("/api/v1/system/worker-check/")
    assert r.status_code == 202
    body = api(hq_admin).get(f"/api/v1/jobs/{r.json()['job']}/").json()
    assert body["state"] == "done"
    assert body["result"] == {"worker": "ok"}


def test_worker_check_is_a_head_office_endpoint(api, rm01a, lead01, compliance):
    for user in (rm01a, lead01, compliance):
        assert api(user).post("/api/v1/system/worker-check/").status_code == 403
    assert Job.objects.count() == 0
