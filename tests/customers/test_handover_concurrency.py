"""The same handover confirmed twice at the same moment on PostgreSQL: one moves, one is a 409."""

from __future__ import annotations

import pytest
from django.db import connection

from rm_portal.core.errors import Conflict
from rm_portal.customers.models import Customer, Handover, OwnershipRecord
from rm_portal.customers.services.handover import handover_confirm, handover_preview
from rm_portal.org.models import Staff
from tests.conftest import need
from tests.customers.factories import customer, indicators
from tests.customers.test_concurrency import run_both

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_confirmations_at_once_move_the_book_once(b01, rm01a, rm01b, lead01):
    need(connection.vendor == "postgresql", "row locks need PostgreSQL")
    indicators()
    for n in range(20):
        customer(f"A{n}", rm01a, b01)
    leaver, successor, by = (Staff.objects.select_related("user").get(user=u) for u in (rm01a, rm01b, lead01))
    token = handover_preview(leaver=leaver, successor=successor, by=by, mode="resigned").token

    def confirm() -> int:
        return handover_confirm(leaver=leaver, successor=successor, by=by, token=token).pk

    def hold_the_leaver() -> None:  # both confirmations queue on the leaver's row
        Staff.objects.select_for_update().get(pk=leaver.pk)

    results, errors = run_both(confirm, hold_the_leaver)
    assert len(results) == 1, (results, errors)
    assert [type(error) for error in errors] == [Conflict]
    assert Handover.objects.count() == 1
    assert Customer.objects.filter(owner=rm01b).count() == 20
    assert OwnershipRecord.objects.filter(owner=rm01b).count() == 20  # not 40
