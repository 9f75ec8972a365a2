"""离职继承: customers move with their history, the leaver is deactivated, nothing is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rm_portal.customers.models import Customer, OwnershipRecord, TimelineEvent
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.handover import register_mover
from rm_portal.org.models import Staff
from tests.customers.factories import customer, indicators
from tests.opportunities.factories import rule


@pytest.fixture
def book(b01, b02, rm01a, rm01b, rm02a):
    indicators()
    for n in range(5):
        customer(f"A{n}", rm01a, b01)
    customer("B0", rm01b, b01)
    customer("X0", rm02a, b02)
    # Another app's work for the leaver: it must move with the customers, or not at all.
    Opportunity.objects.create(
        rule=rule(),
        customer=Customer.objects.get(cust_no="A0"),
        assignee=rm01a,
        branch=b01,
        due_at=timezone.now() + timedelta(days=3),
    )


def nothing_moved(leaver: User) -> None:
    """A refused handover leaves everything with the leaver: customers, history, work, login."""
    assert Customer.objects.filter(owner=leaver).count() == 5
    assert Customer.objects.count() == 7
    assert OwnershipRecord.objects.count() == 0
    assert TimelineEvent.objects.filter(kind="handover").count() == 0
    assert Opportunity.objects.get().assignee == leaver
    assert Staff.objects.filter(active=False).count() == 0
    assert User.objects.get(pk=leaver.pk).is_active


def preview(client, username: str, to: str, **extra: str):
    return client.get(f"/api/v1/staff/{username}/handover/preview/", {"to": to, **extra})


def post(client, username: str, to: str, token: str | None = None, **extra):
    """Confirm a handover; without a token, preview first and confirm what it showed."""
    if token is None:
        shown = preview(client, username, to)
        token = shown.json().get("token", "x" * 64) if shown.status_code == 200 else "x" * 64
    body = {"to": to, "token": token, "confirm": True, **extra}
    return client.post(f"/api/v1/staff/{username}/handover/", body, format="json")


def moved_of(body: dict) -> dict[str, int]:
    return {kind["key"]: kind["count"] for kind in body["moved"]}


def test_lead_hands_over_a_leavers_customers(api, book, lead01, rm01a, rm01b):
    r = post(api(lead01), "rm01a", "rm01b")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["deactivated"] == "rm01a"
    moved = moved_of(body)
    assert moved["customers"] == 5
    # Every other app's mover ran too, with nothing of theirs to move here.
    assert set(moved) >= {"customers", "conversations"}
    assert all(count == 0 for what, count in moved.items() if what not in ("customers", "opportunities"))
    assert moved["opportunities"] == 1
    assert Opportunity.objects.get().assignee == rm01b
    assert Customer.objects.filter(owner=rm01b).count() == 6
    assert Customer.objects.filter(owner=rm01a).count() == 0
    assert Customer.objects.count() == 7  # nothing lost
    assert not Staff.objects.get(user=rm01a).active
    assert not User.objects.get(pk=rm01a.pk).is_active
    assert not Token.objects.filter(user=rm01a).exists()
    history = list(
        OwnershipRecord.objects.filter(customer__cust_no="A0")
        .order_by("started_at")
        .values_list("owner__username", "ended_at")
    )
    assert [owner for owner, _ended in history] == ["rm01a", "rm01b"]
    assert history[0][1] is not None and history[1][1] is None
    assert TimelineEvent.objects.filter(kind="handover").count() == 5


def test_handover_runs_other_apps_movers_in_the_same_transaction(api, book, lead01, rm01a):
    from rm_portal.org import handover

    saved = handover.movers()

    def failing(leaver, successor):
        raise RuntimeError("the opportunities app could not move")

    register_mover("zz_failing", failing)
    try:
        # An app's failure is a server error (undocumented by nature, so a client that does
        # not check the document), and it rolls back every other app's move.
        plain = APIClient()
        plain.force_authenticate(lead01)
        assert post(plain, "rm01a", "rm01b").status_code == 500
    finally:
        handover._MOVERS.clear()
        handover._MOVERS.update(saved)
    nothing_moved(rm01a)


def test_head_office_may_hand_over_across_branches(api, book, hq_admin, rm02a):
    r = post(api(hq_admin), "rm01a", "rm02a")
    assert r.status_code == 201
    assert set(Customer.objects.filter(owner=rm02a).values_list("branch__code", flat=True)) == {"B02"}


@pytest.mark.parametrize(
    ("leaver", "to", "status"),
    [
        ("rm01a", "rm01a", 400),  # to oneself
        ("rm01a", "rm02a", 400),  # another branch, for a lead
        ("rm01a", "nobody", 400),
        ("rm01a", "lead01", 400),  # successor not an RM
        ("lead01", "rm01b", 400),  # the leaver is not an RM
        ("rm02a", "rm01b", 404),  # another branch's RM
        ("nobody", "rm01b", 404),
    ],
)
def test_bad_handovers_are_refused_and_change_nothing(api, book, lead01, rm01a, leaver, to, status):
    r = post(api(lead01), leaver, to)
    assert r.status_code == status, r.content
    assert r.json()  # a JSON reason, never an empty body
    nothing_moved(rm01a)


def test_inactive_successor_is_refused(api, book, lead01, rm01a, rm01b):
    Staff.objects.filter(user=rm01b).update(active=False)
    r = post(api(lead01), "rm01a", "rm01b")
    assert r.status_code == 400 and r.json() == {"to": ["继任者已停用"]}
    assert Customer.objects.filter(owner=rm01a).count() == 5
    assert Opportunity.objects.get().assignee == rm01a


def test_handover_roles(api, anon, book, rm01a, rm01b, compliance, lead02):
    assert post(api(rm01b), "rm01a", "rm01b").status_code == 403
    assert post(api(compliance), "rm01a", "rm01b").status_code == 403
    assert post(api(lead02), "rm01a", "rm01b").status_code == 404
    assert post(anon, "rm01a", "rm01b").status_code == 401
    assert (
        api(lead02).post("/api/v1/staff/rm02a/handover/", {"to": "x", "y": 1}, format="json").status_code
        == 400
    )
    assert api(lead02).post("/api/v1/staff/rm02a/handover/", {}, format="json").status_code == 400
    nothing_moved(rm01a)
