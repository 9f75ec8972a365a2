"""Two tag recomputes, or two imports of the same file, at the same moment on PostgreSQL.

Each test makes the overlap certain rather than likely: the main thread holds a lock that both
workers run into, waits until PostgreSQL shows both of them waiting (a count of waiting locks, not a
clock), and only then lets go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction

from rm_portal.core.models import Job
from rm_portal.core.services import job_create
from rm_portal.customers.models import (
    Customer,
    CustomerTag,
    IndicatorValues,
    OwnershipRecord,
    TagChange,
    TagDefinition,
)
from rm_portal.customers.services.imports import customers_import_stored
from rm_portal.customers.services.tags import tags_recompute
from tests.conftest import need
from tests.customers.factories import customer, indicators

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def waiting_locks() -> int:
    # pg_locks is read afresh on every call (pg_stat_activity would be a snapshot per transaction).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return int(cursor.fetchone()[0])


def run_both(
    work: Callable[[], object], blocker: Callable[[], None]
) -> tuple[list[object], list[BaseException]]:
    """Start two threads doing `work` while `blocker` (run in this thread's transaction) holds what
    they both need; release it once both are seen waiting."""
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    with transaction.atomic():
        blocker()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60  # a safety net only; the test waits for a lock count
        while waiting_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_locks() >= 2, "the two workers never met"
        transaction.set_rollback(True)
    for thread in threads:
        thread.join(120)
    return results, errors


def test_two_recomputes_at_once_record_each_removal_once(b01, rm01a):
    need(connection.vendor == "postgresql", "advisory locks need PostgreSQL")
    indicators()
    rich = [customer(f"R{n}", rm01a, b01, {"aum": 2_000_000}) for n in range(3)]
    hnw = TagDefinition.objects.create(code="hnw", name="高净值", rule="aum >= 1000000")
    tags_recompute()
    assert CustomerTag.objects.filter(tag=hnw).count() == 3
    IndicatorValues.objects.filter(customer__in=rich).update(values={"aum": 10})

    def hold_the_tags() -> None:  # both recomputes must wait to delete these rows
        list(CustomerTag.objects.select_for_update().filter(tag=hnw))

    results, errors = run_both(tags_recompute, hold_the_tags)
    assert not errors, errors
    assert not CustomerTag.objects.filter(tag=hnw).exists()
    removals = TagChange.objects.filter(tag=hnw, change=TagChange.Change.REMOVED)
    assert sorted(removals.values_list("customer__cust_no", flat=True)) == ["R0", "R1", "R2"]
    assert sorted(result["hnw"]["removed"] for result in results) == [0, 3]  # type: ignore[index]


NEW_CUSTOMERS = "cust_no,name,branch,owner,aum\n" + "".join(
    f"N{n},客户{n},B01,rm01a,{n * 1000}\n" for n in range(50)
)


def test_the_same_new_customer_file_imported_twice_at_once_creates_each_customer_once(b01, rm01a, hq_admin):
    need(connection.vendor == "postgresql", "advisory locks need PostgreSQL")
    indicators()
    jobs = []
    for _ in range(2):
        name = default_storage.save("imports/customers/concurrent.csv", ContentFile(NEW_CUSTOMERS.encode()))
        jobs.append((job_create(owner=hq_admin, kind="customers_import"), name))
    turn = iter(jobs)
    pick = threading.Lock()

    def run_one() -> None:
        with pick:
            job, name = next(turn)
        customers_import_stored(job_id=job.pk, name=name, as_of=date(2026, 11, 20))

    def hold_the_first_customer() -> None:
        # An uncommitted N0: both imports find no N0 and run into its unique key.
        Customer.objects.create(cust_no="N0", name="占位", branch=b01)

    _results, errors = run_both(run_one, hold_the_first_customer)
    assert not errors, errors
    states = {job.pk: Job.objects.get(pk=job.pk) for job, _name in jobs}
    assert [job.state for job in states.values()] == ["done", "done"], [job.errors for job in states.values()]
    created = sorted(job.result["created"] for job in states.values())
    assert created == [0, 50]
    assert sorted(job.result["unchanged"] for job in states.values()) == [0, 50]
    assert Customer.objects.count() == 50
    assert Customer.objects.values("cust_no").distinct().count() == 50
    assert OwnershipRecord.objects.count() == 50
    assert IndicatorValues.objects.filter(is_latest=True).count() == 50
