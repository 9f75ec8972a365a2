"""Matching (docs/product.md §7): never above the rating, never a held product unless it is a maturity
reinvestment, every item with its reasons in plain words, best first; scoped like the customer."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from materials.models import Kind, Material
from rm_portal.customers.models import Customer, CustomerTag, Holding, HoldingType, TagDefinition
from rm_portal.matching.models import Shown, SignalKind
from rm_portal.matching.selectors import rating_allows, recommendations_for
from rm_portal.matching.services import signal_save
from tests.customers.factories import customer
from tests.matching.conftest import holding, material

pytestmark = pytest.mark.django_db


def names(items) -> list[str]:
    return [r.name for r in items]


def test_best_first_with_reasons_in_plain_words(wang, rm01a):
    items = recommendations_for(rm01a, wang)
    by_name = {r.name: r for r in items}
    # The script (存款 word, 40) and the news item (40); the R1/R3 wealth products (30 + 20);
    # the fund R2 (高净值 10). The R5 fund is above C3; the unrated product is never offered.
    assert set(by_name) == {"定期存款到期提醒", "存款利率公告", "安心7天", "季季红", "稳健债基"}
    assert [r.score for r in items] == sorted((r.score for r in items), reverse=True)
    assert names(items)[:2] == ["安心7天", "季季红"]  # 50 each: products before scripts on a tie
    assert by_name["季季红"].reasons == [
        "「整存整取1年」3 天后到期（300,000 元）",
        "活期余额 200,000 元，可做配置",
    ]
    assert by_name["稳健债基"].reasons == ["客户标签「高净值」"]
    assert by_name["定期存款到期提醒"].kind == "script" and by_name["存款利率公告"].kind == "material"
    assert "草稿话术" not in by_name  # not published


def test_no_rating_no_products(wang, rm01a):
    Customer.objects.filter(pk=wang.pk).update(risk_rating="")
    wang.refresh_from_db()
    items = recommendations_for(rm01a, wang)
    assert items and all(r.kind != "product" for r in items)


def test_no_consent_no_product_of_that_category(wang, rm01a):
    Customer.objects.filter(pk=wang.pk).update(consents={"fund": True})
    wang.refresh_from_db()
    assert not {"安心7天", "季季红"} & set(names(recommendations_for(rm01a, wang)))


def test_a_held_product_only_as_a_maturity_reinvestment(wang, rm01a):
    held = holding(wang, "季季红", HoldingType.WEALTH, 50000, days=30)
    assert "季季红" not in names(recommendations_for(rm01a, wang))
    for days, offered in [(8, False), (7, True), (0, True), (-1, False)]:
        held.maturity_date = timezone.localdate() + timedelta(days=days)
        held.save()
        found = {r.name: r for r in recommendations_for(rm01a, wang)}
        assert ("季季红" in found) is offered, days
        if offered:
            assert found["季季红"].reasons[0].startswith("到期续作：「季季红」")


def test_weights_are_head_offices_to_change(wang, rm01a, signals):
    signal_save(
        signal=signals["hnw"],
        code="hnw_fund",
        name="高净值",
        kind=SignalKind.TAG,
        tag=signals["hnw_tag"],
        match_category="fund",
        weight=100,
    )
    assert names(recommendations_for(rm01a, wang))[0] == "稳健债基"
    signals["hnw"].active = False
    signals["hnw"].save()
    assert "稳健债基" not in names(recommendations_for(rm01a, wang))


def test_property_never_above_the_rating_never_held_unless_maturing(signals, hq_admin, b01, rm01a):
    """300 random customers against 40 random products: every recommended product fits the
    rating, the consent, and is held only when a holding of it matures within 7 days."""
    rng = random.Random(20261202)
    categories = ["wealth", "fund", "insurance", "deposit", ""]
    products = [
        material(
            Kind.PRODUCT,
            f"产品{i}",
            by=hq_admin,
            risk_level=rng.choice(["", "R1", "R2", "R3", "R4", "R5"]),
            marketing_category=rng.choice(categories),
        )
        for i in range(40)
    ]
    material(Kind.SCRIPT, "到期话术", by=hq_admin, tags=["存款"])
    hnw = signals["hnw_tag"]
    checked = 0
    for n in range(300):
        rating = rng.choice(["", "C1", "C2", "C3", "C4", "C5"])
        consents = {c: rng.random() < 0.6 for c in categories if c}
        made = customer(f"P{n:04d}", rm01a, b01, None, risk_rating=rating, consents=consents)
        rows = []
        for _ in range(rng.randint(0, 5)):
            kind = rng.choice(list(HoldingType.values))
            product = rng.choice(products).title if rng.random() < 0.4 else f"存量{kind}"
            days = rng.choice([None, -3, 0, 2, 7, 8, 30])
            rows.append(holding(made, product, kind, rng.randint(1, 500) * 1000, days=days))
        if rng.random() < 0.3:
            CustomerTag.objects.create(customer=made, tag=hnw, since=timezone.now())
        today = timezone.localdate()
        maturing = {h.product for h in rows if h.maturity_date and 0 <= (h.maturity_date - today).days <= 7}
        held = {h.product for h in rows}
        for r in recommendations_for(rm01a, made):
            assert r.reasons and r.score > 0
            if r.kind != "product":
                continue
            product = Material.objects.get(pk=r.id)
            assert rating and product.risk_level, (rating, product.risk_level)
            assert int(product.risk_level[1]) <= int(rating[1]), (rating, product.risk_level)
            assert not product.marketing_category or consents[product.marketing_category]
            if product.title in held:
                assert product.title in maturing and r.held
            checked += 1
    assert checked > 100  # the property was exercised, not vacuously true


@pytest.mark.parametrize(
    ("rating", "level", "allowed"),
    [("C3", "R3", True), ("C3", "R4", False), ("C5", "R1", True), ("", "R1", False), ("C1", "", False)],
)
def test_rating_allows(rating, level, allowed):
    assert rating_allows(rating, level) is allowed


# ---- the API ---------------------------------------------------------------------------------


def test_api_owner_gets_the_list_and_it_is_recorded_once_a_day(api, wang, rm01a, lead01):
    r = api(rm01a).get("/api/v1/customers/W1/recommendations/")
    assert r.status_code == 200
    first = r.json()[0]
    assert set(first) == {"kind", "id", "name", "reasons", "score"}
    assert first["reasons"] and isinstance(first["reasons"][0], str)
    assert Shown.objects.count() == len(r.json())
    api(rm01a).get("/api/v1/customers/W1/recommendations/")
    assert Shown.objects.count() == len(r.json())  # the same day adds nothing
    assert api(lead01).get("/api/v1/customers/W1/recommendations/").status_code == 200


def test_api_scope_and_roles(api, wang, rm01b, rm02a, lead02, compliance, anon):
    for other in (rm01b, rm02a, lead02):
        r = api(other).get("/api/v1/customers/W1/recommendations/")
        assert r.status_code == 404 and "detail" in r.json()
    assert api(rm01b).get("/api/v1/customers/NOPE/recommendations/").status_code == 404
    assert api(compliance).get("/api/v1/customers/W1/recommendations/").status_code == 403
    assert anon.get("/api/v1/customers/W1/recommendations/").status_code in (401, 403)
    assert not Shown.objects.exists()


def test_recommendations_in_constant_queries(wang, rm01a, shelf, django_assert_num_queries, api):
    client = api(rm01a)
    client.get("/api/v1/customers/W1/recommendations/")  # warm the token
    # the token with its staff (one join), customer, holdings, tags, signals, materials, shown
    with django_assert_num_queries(7) as small:
        client.get("/api/v1/customers/W1/recommendations/")
    hnw = TagDefinition.objects.get(code="hnw")
    for i in range(20):
        holding(wang, f"产品{i}", HoldingType.WEALTH, 1000, days=i)
        tag = TagDefinition.objects.create(code=f"t{i}", name=f"标签{i}", rule="aum > 1")
        CustomerTag.objects.create(customer=wang, tag=tag, since=timezone.now())
        material(Kind.SCRIPT, f"话术{i}", by=shelf["r1"].created_by, tags=["存款"])
    assert hnw
    with django_assert_num_queries(len(small.captured_queries)):
        r = client.get("/api/v1/customers/W1/recommendations/")
    assert len(r.json()) == 10


def test_a_signal_that_speaks_for_nothing_is_refused(db):
    from rm_portal.core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        signal_save(code="x", name="x", kind=SignalKind.IDLE_BALANCE, amount=Decimal(1))
    assert "match_word" in refused.value.fields


def test_holding_unrelated_types_do_not_leak(wang, rm01a):
    Holding.objects.filter(customer=wang, type=HoldingType.TIME_DEPOSIT).delete()
    names_now = names(recommendations_for(rm01a, wang))
    assert "定期存款到期提醒" not in names_now  # no deposit maturing: the 存款 word has no signal


def test_the_opportunity_page_shows_the_same_list(wang, rm01a, lead01):
    from django.test import Client

    from rm_portal.opportunities.models import Opportunity
    from tests.customers.factories import indicators
    from tests.opportunities.factories import rule

    indicators()
    o = Opportunity.objects.create(
        rule=rule(), customer=wang, assignee=rm01a, branch=wang.branch, due_at=timezone.now()
    )
    expected = names(recommendations_for(rm01a, wang))
    client = Client()
    client.force_login(rm01a)
    html = client.get(f"/opportunities/{o.pk}/").content.decode()
    block = html.split('data-testid="recommendations"')[1].split("</section>")[0]
    assert [n for n in expected if n in block] == expected
    assert f"?customer={wang.cust_no}" in block  # the assignee may send from here
    assert Shown.objects.filter(customer=wang).count() == len(expected)
    lead = Client()
    lead.force_login(lead01)
    block = lead.get(f"/opportunities/{o.pk}/").content.decode().split('data-testid="recommendations"')[1]
    assert "?customer=" not in block.split("</section>")[0]
