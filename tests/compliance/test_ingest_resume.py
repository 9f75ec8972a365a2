"""A large batch survives its worker being killed mid-batch and the broker losing the message:
the sweeper resumes it from the stored batch, and every accepted message is archived exactly once.
A real Celery worker on Redis, a real PostgreSQL; SIGKILL, no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from compliance.models import IngestBatch, Message
from compliance.services.batches import KIND, ingest_batch_enqueue
from compliance.services.chain import archive_verify
from rm_portal.core.models import Job
from rm_portal.core.services import jobs_sweep
from rm_portal.org.models import Role
from tests.compliance.factories import item
from tests.conftest import need
from tests.factories import StaffFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


def _stale_later():
    return timezone.now() + timedelta(minutes=settings.JOB_STALE_MINUTES + 1)


@pytest.mark.django_db
def test_a_stale_batch_is_resumed_by_the_sweeper_and_stores_nothing_twice(gateway, rm01a):
    with TestCase.captureOnCommitCallbacks(execute=False):  # the broker lost the message
        job = ingest_batch_enqueue(items=[item("rm01a", f"第{i}条") for i in range(7)], by=gateway)
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert jobs_sweep(now=_stale_later()) == {"resumed": 1, "failed": 0}
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result["stored"] == 7
    # resumed once more (a second lost message): idempotent, and the job's errors are not doubled
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert jobs_sweep(now=_stale_later())["resumed"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result == {"stored": 0, "duplicates": 7, "hits": 0}
    assert Message.objects.count() == 7


def _start_worker(log: Path) -> subprocess.Popen:
    env = {**os.environ, "RM_DB_NAME": str(connection.settings_dict["NAME"])}
    command = [sys.executable, "-m", "celery", "-A", "rm_portal", "worker", "--pool", "solo"]
    return subprocess.Popen(
        [*command, "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(predicate, seconds: float = 120.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.xdist_group("worker")
@pytest.mark.django_db(transaction=True)
def test_a_batch_survives_a_killed_worker_and_a_flushed_broker(gateway, rm01a):
    need(connection.vendor == "postgresql", "the fault test runs on PostgreSQL")
    need(settings.CELERY_BROKER_URL.startswith("redis"), "the fault test runs on the Redis broker")
    import redis

    from rm_portal.celery import app

    app.conf.task_always_eager = False
    total = 3000
    items = [item("rm01a", f"消息{i}", external_contact=f"wm-{i % 300}") for i in range(total)]
    log = Path(tempfile.mkdtemp()) / "worker.log"
    first = _start_worker(log)
    try:
        job = ingest_batch_enqueue(items=items, by=gateway)  # committed: the task is on the broker
        assert _wait_for(lambda: Message.objects.exists()), log.read_text()[-4000:]
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        _stop(first)
    archived_at_kill = Message.objects.count()
    print(f"killed with {archived_at_kill} of {total} archived")
    assert 0 < archived_at_kill < total, "the worker was not killed mid-batch"
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING  # stuck, as reported
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # and the broker lost the message

    assert jobs_sweep(now=_stale_later()) == {"resumed": 1, "failed": 0}
    second = _start_worker(log)
    try:
        assert _wait_for(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE), log.read_text()[-4000:]
    finally:
        _stop(second)

    job.refresh_from_db()
    assert job.kind == KIND and job.processed == total
    assert Message.objects.count() == total
    doubled = Message.objects.values("channel", "external_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not doubled.exists()
    assert set(Message.objects.values_list("external_id", flat=True)) == {i["external_id"] for i in items}
    assert IngestBatch.objects.get(job=job).result["stored"] == total - archived_at_kill
    assert archive_verify()[1] is None
