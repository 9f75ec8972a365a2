"""A real Celery worker, on whatever broker this pass configures: the file broker of the
embedded default, or Redis in the scaled pass. Eager mode proves nothing about either."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from rm_portal.core.models import Heartbeat, Job
from rm_portal.core.services import job_create

ROOT = Path(__file__).resolve().parents[2]
# One xdist worker runs these in turn: each starts a real Celery worker.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker")]


@pytest.fixture
def worker():
    from rm_portal.celery import app

    app.conf.task_always_eager = False
    env = {**os.environ, "RM_DB_NAME": str(connection.settings_dict["NAME"]), "HEARTBEAT_SECONDS": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rm_portal",
            "worker",
            "--beat",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-4000:])


def wait_for(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_task_goes_through_the_broker_to_a_real_worker_and_back(worker, hq_admin):
    from rm_portal.core.tasks import job_selfcheck

    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(expected)
    job = job_create(owner=hq_admin, kind="selfcheck", total=1)
    job_selfcheck.delay(job.pk)
    assert wait_for(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE), (
        "the worker never finished the job"
    )
    assert Job.objects.get(pk=job.pk).result == {"worker": "ok"}
    print(f"round trip ok through {expected} broker on {connection.vendor}")


def test_the_scheduler_really_fires_periodic_jobs(worker, db):
    assert wait_for(lambda: Heartbeat.objects.filter(name="scheduler", beats__gte=2).exists()), (
        "beat never fired"
    )
