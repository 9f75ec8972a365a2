"""Figures count what someone other than the RM has checked: a self-declared conversion moves no
leaderboard and no rule figure until a branch lead reviews it as accurate; one amount is capped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.execution import opportunity_complete, opportunity_review

pytestmark = pytest.mark.django_db

BOARD = "/api/v1/opportunity-stats/leaderboard/?scope=bank"


def _board(api, user) -> dict[str, tuple[int, str, int, str]]:
    """username → (rank, converted_amount, converted, amount)."""
    rows = api(user).get(BOARD).json()["results"]
    return {r["username"]: (r["rank"], r["converted_amount"], r["converted"], r["amount"]) for r in rows}


def test_an_unreviewed_conversion_does_not_move_the_bank_leaderboard(
    api, generated, rm01a, rm02a, lead01, lead02, hq_admin
):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="converted", amount=Decimal("5000"))
    opportunity_review(opportunity=generated["C1"], by=lead01, accurate=True)
    before = _board(api, hq_admin)
    assert before["rm01a"] == (1, "5000.00", 1, "5000.00")
    assert before["rm02a"][1:] == ("0.00", 0, "0.00")
    # rm02a declares the biggest deal the form takes: no figure of theirs moves and rm01a stays
    # first until lead02 looks at it (a completion still counts as a completion).
    opportunity_complete(
        opportunity=generated["C4"], by=rm02a, outcome="converted", amount=Decimal("100000000.00")
    )
    after = _board(api, hq_admin)
    assert after["rm01a"] == before["rm01a"] and after["rm02a"][1:] == before["rm02a"][1:]
    stats = api(hq_admin).get("/api/v1/opportunity-rules/td7/stats/").json()
    assert (stats["converted"], stats["amount"]) == (1, "5000.00")
    # Reviewed as inaccurate: still nothing.
    opportunity_review(opportunity=generated["C4"], by=lead02, accurate=False)
    assert _board(api, hq_admin) == after
    # Reviewed as accurate: now it counts.
    opportunity_review(opportunity=generated["C4"], by=lead02, accurate=True)
    board = _board(api, hq_admin)
    assert board["rm02a"] == (1, "100000000.00", 1, "100000000.00") and board["rm01a"][0] == 2
    stats = api(hq_admin).get("/api/v1/opportunity-rules/td7/stats/").json()
    assert (stats["converted"], stats["amount"]) == (2, "100005000.00")


@pytest.mark.parametrize("amount", ["99999999999.99", "100000000.01"])
def test_one_conversion_is_at_most_one_hundred_million(api, generated, rm01a, amount):
    pk = generated["C1"].pk
    r = api(rm01a).post(
        f"/api/v1/opportunities/{pk}/complete/", {"outcome": "converted", "amount": amount}, format="json"
    )
    assert r.status_code == 400 and "1 亿元" in r.json()["amount"][0]
    client = Client()
    client.force_login(rm01a)
    body = {"outcome": "converted", "amount": amount}
    page = client.post(f"/opportunities/{pk}/complete/", body, follow=True)
    assert "1 亿元" in page.content.decode()
    assert Opportunity.objects.get(pk=pk).status == "open"
    ok = api(rm01a).post(
        f"/api/v1/opportunities/{pk}/complete/",
        {"outcome": "converted", "amount": "100000000.00"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["amount"] == "100000000.00"


def test_a_lead_does_not_review_what_they_completed_themselves(api, generated, lead01):
    pk = generated["C5"].pk  # the ownerless queue: the lead works it
    opportunity_complete(opportunity=generated["C5"], by=lead01, outcome="converted", amount=Decimal("10"))
    r = api(lead01).post(f"/api/v1/opportunities/{pk}/review/", {"accurate": True}, format="json")
    assert r.status_code == 403 and "自己完成" in r.json()["detail"]
    client = Client()
    client.force_login(lead01)
    page = client.post(f"/opportunities/{pk}/review/", {"accurate": "1"}, follow=True)
    assert "自己完成" in page.content.decode()
    assert Opportunity.objects.get(pk=pk).reviewed_at is None
