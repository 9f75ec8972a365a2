from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.generation import opportunity_rules_run
from tests.conftest import need
from tests.opportunities.factories import rule


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_create_each_opportunity_once(world):
    need(connection.vendor == "postgresql", "row locks need PostgreSQL")
    rule()
    rule(code="dormant", condition="tag(沉睡客户)")
    results: list[dict] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(opportunity_rules_run())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(r["td7"] for r in results) == 4 and sum(r["dormant"] for r in results) == 2
    assert Opportunity.objects.count() == 6
