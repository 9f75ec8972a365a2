"""Head office's side: the signals (API and page) and the shown / shared / converted figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from materials.models import ShareToken
from materials.services.shares import share_create
from rm_portal.customers.models import HoldingType
from rm_portal.matching.models import Shown, Signal
from rm_portal.matching.selectors import recommendation_figures, recommendations_for
from rm_portal.matching.services import recommendations_shown
from rm_portal.opportunities.models import Opportunity
from tests.customers.factories import indicators
from tests.matching.conftest import holding
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db


def test_head_office_lists_and_creates_signals(api, signals, hq_admin):
    client = api(hq_admin)
    listed = client.get("/api/v1/matching/signals/").json()
    assert {row["code"] for row in listed} == {"td_due", "td_wealth", "idle", "hnw_fund", "no_ins"}
    assert next(row for row in listed if row["code"] == "hnw_fund")["tag"] == "hnw"
    body = {
        "code": "pension",
        "name": "养老",
        "kind": "tag",
        "tag": "hnw",
        "match_word": "民生",
        "weight": 12,
    }
    r = client.post("/api/v1/matching/signals/", body, format="json")
    assert r.status_code == 201 and r.json()["weight"] == 12
    assert Signal.objects.get(code="pension").tag.code == "hnw"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x", "name": "x", "kind": "tag", "match_word": "存款"}, "tag"),
        ({"code": "x", "name": "x", "kind": "idle_balance"}, "match_word"),
        ({"code": "x", "name": "x", "kind": "idle_balance", "match_word": "a", "weight": 101}, "weight"),
        ({"code": "x", "name": "x", "kind": "idle_balance", "match_word": "a", "amount": "-1"}, "amount"),
        ({"code": "x", "name": "x", "kind": "magic", "match_word": "a"}, "kind"),
        ({"code": "td_due", "name": "x", "kind": "idle_balance", "match_word": "a"}, "code"),
        ({"code": "x", "name": "x", "kind": "holdings_gap", "match_word": "a"}, "holding_type"),
    ],
)
def test_bad_signals_are_a_400_naming_the_field_and_nothing_is_stored(api, signals, hq_admin, body, field):
    before = Signal.objects.count()
    r = api(hq_admin).post("/api/v1/matching/signals/", body, format="json")
    assert r.status_code == 400 and field in r.json(), r.json()
    assert Signal.objects.count() == before


def test_other_roles_do_not_configure(api, signals, rm01a, lead01, compliance):
    for user in (rm01a, lead01, compliance):
        assert api(user).get("/api/v1/matching/signals/").status_code == 403
        assert api(user).get("/api/v1/matching/figures/").status_code == 403
        r = api(user).post("/api/v1/matching/signals/", {"code": "y"}, format="json")
        assert r.status_code == 403
    client = Client()
    client.force_login(rm01a)
    assert client.get("/matching/").status_code == 403


def test_the_page_saves_and_edits_a_signal(signals, hq_admin):
    client = Client()
    client.force_login(hq_admin)
    page = client.get("/matching/").content.decode()
    assert "定期到期" in page and 'data-testid="figures"' in page
    form = {
        "code": "idle",
        "name": "活期闲置",
        "kind": "idle_balance",
        "days": "7",
        "amount": "50000",
        "match_category": "wealth",
        "weight": "60",
        "active": "on",
        "editing": "idle",
    }
    r = client.post("/matching/", form)
    assert r.status_code == 302
    assert Signal.objects.get(code="idle").weight == 60
    r = client.post("/matching/", {**form, "weight": "0"}, follow=True)
    assert Signal.objects.get(code="idle").weight == 60
    assert "权重" in r.content.decode() or "1" in r.content.decode()


def test_shown_shared_converted(wang, rm01a, hq_admin, api):
    items = recommendations_for(rm01a, wang)
    recommendations_shown(customer=wang, items=items)
    script = next(r for r in items if r.kind == "script")
    product = next(r for r in items if r.name == "季季红")
    fund = next(r for r in items if r.name == "稳健债基")
    share_create(rm=rm01a, material=script.material, customer=wang)
    # The product is bought: a holding of that name appears (it was not held when shown).
    holding(wang, "季季红", HoldingType.WEALTH, 50000)
    rows = {row["material__title"]: row for row in recommendation_figures(user=hq_admin)}
    assert rows[script.name]["shown"] == 1 and rows[script.name]["shared"] == 1
    assert rows[script.name]["converted"] == 0
    assert rows["季季红"] == {**rows["季季红"], "shown": 1, "shared": 0, "converted": 1}
    assert rows["稳健债基"]["converted"] == 0
    # An opportunity of the customer completed as converted converts what was shown before it.
    indicators()
    o = Opportunity.objects.create(
        rule=rule(),
        customer=wang,
        assignee=rm01a,
        branch=wang.branch,
        status=Opportunity.Status.DONE,
        outcome=Opportunity.Outcome.CONVERTED,
        due_at=timezone.now(),
        completed_at=timezone.now(),
    )
    assert o.pk
    figures = api(hq_admin).get("/api/v1/matching/figures/").json()
    assert all(row["converted"] == 1 for row in figures)
    assert {row["name"] for row in figures} >= {fund.name, product.name}
    # A share before it was shown does not count as shared because of it.
    Shown.objects.update(day=timezone.localdate() + timedelta(days=1))
    ShareToken.objects.update(created_at=timezone.now())
    rows = {row["material__title"]: row for row in recommendation_figures(user=hq_admin)}
    assert rows[script.name]["shared"] == 0
