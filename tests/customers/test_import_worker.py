"""The strong version of "a killed import is resumed": a real Celery worker on Redis importing into
PostgreSQL is killed with SIGKILL mid-file; the sweeper queues the stored file again, a second
worker finishes it, and every customer exists once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from rm_portal.core.models import Job
from rm_portal.core.services import jobs_sweep
from rm_portal.customers.models import Customer, ImportUpload, IndicatorValues, OwnershipRecord
from rm_portal.customers.services.imports import customers_import_upload
from tests.conftest import need
from tests.customers.factories import indicators

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("worker"),
]
ROWS = 40_000
WORKER = ["-m", "celery", "-A", "rm_portal", "worker", "--pool", "solo", "--loglevel", "INFO"]


def start_worker() -> subprocess.Popen[str]:
    env = {**os.environ, "RM_DB_NAME": str(connection.settings_dict["NAME"])}
    return subprocess.Popen(
        [sys.executable, *WORKER, "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-3000:])


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    # Checked before anything starts, so that a machine without them skips instead of erroring.
    need(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://…)")
    need(bool(settings.REDIS_URL), "needs Redis (REDIS_URL=redis://…)")
    from rm_portal.celery import app

    app.conf.task_always_eager = False
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        stop(process)
    # The killed worker's message was never acknowledged: drop it rather than leave it to be
    # redelivered into some later test (the import would ignore it: its job is decided).
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete("unacked", "unacked_index", "unacked_mutex")


def wait_for(predicate: Callable[[], bool], seconds: float = 300.0) -> bool:
    deadline = time.monotonic() + seconds  # a safety net; the test asserts states and counts
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_an_import_killed_with_sigkill_is_resumed_by_the_sweeper(workers, b01, rm01a, hq_admin):
    indicators()
    lines = ["cust_no,name,branch,owner,aum,age,gender,is_payroll"]
    lines += [f"K{n:06d},客户{n},B01,rm01a,{n},{n % 90},男,{n % 2}" for n in range(ROWS)]
    content = ("\n".join(lines) + "\n").encode()

    workers.append(start_worker())
    job = customers_import_upload(by=hq_admin, upload=SimpleUploadedFile("big.csv", content))

    def job_now() -> Job:
        return Job.objects.get(pk=job.pk)

    assert wait_for(lambda: job_now().processed >= 2000), "the first worker never got going"
    os.kill(workers[0].pid, signal.SIGKILL)
    workers[0].wait(30)
    lost = job_now()
    assert lost.state == "running" and 0 < lost.processed < ROWS, (lost.state, lost.processed)
    written = Customer.objects.count()
    assert 0 < written < ROWS

    workers.append(start_worker())
    later = timezone.now() + timedelta(minutes=settings.JOB_STALE_MINUTES + 1)
    assert jobs_sweep(now=later) == {"resumed": 1, "failed": 0}
    assert wait_for(lambda: job_now().state != "running"), "the resumed import never finished"
    done = job_now()
    assert done.state == "done", done.errors
    assert (done.result["rows"], done.result["failed"]) == (ROWS, 0)
    # What the killed attempt committed is found unchanged; the rest is created now.
    assert done.result["unchanged"] >= written and done.result["created"] == ROWS - done.result["unchanged"]
    assert Customer.objects.count() == ROWS
    assert Customer.objects.values("cust_no").distinct().count() == ROWS
    assert OwnershipRecord.objects.count() == ROWS
    assert IndicatorValues.objects.filter(is_latest=True).count() == ROWS
    assert not ImportUpload.objects.exists()
