"""Two beat ticks at once (a duplicated beat, a worker restarted mid-run) on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun
from rm_portal.notifications.models import Notification
from tests.conftest import need

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_ticks_make_one_run_and_one_reminder_per_person(morning, rm01a, rm01b, rm02a):
    need(
        connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL) for real concurrent transactions"
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tick() -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            services.checklists_tick()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(datetime(2026, 11, 23, 23, 30, 5, tzinfo=UTC), tick=False):
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert ChecklistRun.objects.count() == 3
    assert Notification.objects.filter(kind="checklist_reminder").count() == 3


def test_two_simultaneous_ticks_make_one_branch_run_and_one_reminder_per_member(b01, rm01a, rm01b, lead01):
    need(
        connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL) for real concurrent transactions"
    )
    from tests.checklists.test_branch_runs import FIRES, safety_template

    safety_template()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tick() -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            services.checklists_tick()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(FIRES, tick=False):
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert ChecklistRun.objects.filter(per_branch=True).count() == 1
    assert ChecklistRun.objects.get().items.count() == 2
    reminded = Notification.objects.filter(kind="checklist_reminder")
    assert sorted(reminded.values_list("recipient__username", flat=True)) == ["rm01a", "rm01b"]
