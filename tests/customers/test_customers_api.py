"""The customer list and the portrait: scope, masking, filters, query counts, access log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rm_portal.customers.models import CustomerTag, Holding, PortraitAccess, Segment, TagDefinition
from rm_portal.customers.services import timeline_record
from tests.customers.factories import customer, indicators


@pytest.fixture
def world(b01, b02, rm01a, rm01b, rm02a):
    indicators()
    hnw = TagDefinition.objects.create(code="hnw", name="高净值", category="资产", rule="aum >= 1000000")
    payroll = TagDefinition.objects.create(
        code="payroll", name="代发客户", category="客群", rule="is_payroll = true"
    )
    mine = customer(
        "A1",
        rm01a,
        b01,
        {"aum": 2_000_000, "is_payroll": True, "gender": "男"},
        phone="13812341234",
        id_number="320682199001011234",
        aum=2_000_000,
        name="王大明",
    )
    mine2 = customer("A2", rm01a, b01, {"aum": 5}, phone="13900001111", name="李小红", aum=5)
    colleague = customer("B1", rm01b, b01, {"aum": 1}, name="陈同事客户")
    other = customer("X1", rm02a, b02, {"aum": 3_000_000}, name="城西客户")
    unowned = customer("U1", None, b01, {}, name="无人管")
    now = timezone.now()
    for c, tags in ((mine, [hnw, payroll]), (mine2, [payroll]), (other, [hnw])):
        for tag in tags:
            CustomerTag.objects.create(customer=c, tag=tag, since=now)
    Holding.objects.create(
        customer=mine,
        product="整存整取1年",
        type="time_deposit",
        amount=500000,
        maturity_date=timezone.localdate() + timedelta(days=3),
    )
    Holding.objects.create(customer=mine, product="活期", type="demand", amount=1000)
    timeline_record(customer=mine, kind="note", title="电话回访", actor=rm01a)
    segment = Segment.objects.create(code="hnw_payroll", name="高净值代发")
    segment.tags.set([hnw, payroll])
    return {"mine": mine, "mine2": mine2, "colleague": colleague, "other": other, "unowned": unowned}


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["cust_no"] for row in response.json()["results"]]


def test_rm_lists_only_own_customers(api, world, rm01a):
    assert numbers(api(rm01a).get("/api/v1/customers/")) == ["A1", "A2"]


def test_branch_lead_sees_the_branch_only(api, world, lead01, lead02):
    assert numbers(api(lead01).get("/api/v1/customers/")) == ["A1", "A2", "B1", "U1"]
    assert numbers(api(lead02).get("/api/v1/customers/")) == ["X1"]


def test_head_office_sees_all(api, world, hq_admin):
    assert len(numbers(api(hq_admin).get("/api/v1/customers/"))) == 5


def test_compliance_gets_403_and_anonymous_401(api, anon, world, compliance):
    assert api(compliance).get("/api/v1/customers/").status_code == 403
    assert api(compliance).get("/api/v1/customers/A1/").status_code == 403
    assert anon.get("/api/v1/customers/").status_code == 401
    assert anon.get("/api/v1/customers/A1/").status_code == 401


def test_list_filters_by_tags_and_segment_and_q(api, world, rm01a, hq_admin):
    client = api(rm01a)
    assert numbers(client.get("/api/v1/customers/?tag=payroll")) == ["A1", "A2"]
    assert numbers(client.get("/api/v1/customers/?tag=payroll&tag=hnw")) == ["A1"]
    assert numbers(client.get("/api/v1/customers/?segment=hnw_payroll")) == ["A1"]
    assert numbers(client.get("/api/v1/customers/?q=小红")) == ["A2"]
    assert numbers(client.get("/api/v1/customers/?ordering=-aum")) == ["A1", "A2"]
    assert numbers(client.get("/api/v1/customers/?ordering=aum")) == ["A2", "A1"]
    # The tag filter never widens the scope.
    assert numbers(client.get("/api/v1/customers/?tag=hnw")) == ["A1"]
    assert numbers(api(hq_admin).get("/api/v1/customers/?tag=hnw")) == ["A1", "X1"]


def test_list_bad_parameters_are_400(api, world, rm01a):
    client = api(rm01a)
    assert client.get("/api/v1/customers/?ordering=password").status_code == 400
    assert client.get("/api/v1/customers/?segment=nope").status_code == 400
    assert client.get("/api/v1/customers/?q=" + "x" * 101).status_code == 400
    assert numbers(client.get("/api/v1/customers/?tag=unknown")) == []


def test_list_rows_are_masked_and_tagged(api, world, rm01a):
    row = api(rm01a).get("/api/v1/customers/").json()["results"][0]
    assert row["phone"] == "138****1234"
    assert row["owner"] == {"username": "rm01a", "display_name": "张晓明"}
    assert row["branch"] == {"code": "B01", "name": "城东支行"}
    assert [t["code"] for t in row["tags"]] == ["hnw", "payroll"]
    assert "id_number" not in row


def test_list_query_count_is_constant(api, world, lead01, b01, rm01a, django_assert_max_num_queries):
    client = api(lead01)
    client.get("/api/v1/customers/")
    for n in range(30):
        customer(f"N{n:02d}", rm01a, b01, {"aum": n})
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/customers/")
    assert response.json()["count"] == 34


def test_portrait_for_the_owner(api, world, rm01a, django_assert_max_num_queries):
    client = api(rm01a)
    client.get("/api/v1/customers/A2/")
    with django_assert_max_num_queries(12):
        r = client.get("/api/v1/customers/A1/")
    assert r.status_code == 200
    body = r.json()
    assert body["phone"] == "138****1234"
    assert body["id_number"] == "320682********1234"
    assert body["owner"]["username"] == "rm01a"
    assert body["aum"] == "2000000.00"
    assert [t["code"] for t in body["tags"]] == ["hnw", "payroll"]
    assert body["tags"][0] == {"code": "hnw", "name": "高净值", "category": "资产"}
    assert body["indicators"]["aum"] == 2_000_000
    assert body["holdings"][0]["days_to_maturity"] == 3
    assert body["timeline"][0]["title"] == "电话回访"
    assert "13812341234" not in r.content.decode()


def test_portrait_query_count_does_not_grow(api, world, rm01a, django_assert_num_queries):
    client = api(rm01a)
    client.get("/api/v1/customers/A2/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/customers/A2/")
    for n in range(20):
        Holding.objects.create(customer=world["mine"], product=f"P{n}", type="fund", amount=n)
        timeline_record(customer=world["mine"], kind="note", title=f"n{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/customers/A1/")
    assert len(many) == len(few)


def test_other_branch_and_colleague_customers_are_404(api, world, rm01a, lead01):
    assert api(rm01a).get("/api/v1/customers/X1/").status_code == 404
    assert api(rm01a).get("/api/v1/customers/B1/").status_code == 404
    assert api(rm01a).get("/api/v1/customers/NOPE/").status_code == 404
    assert api(lead01).get("/api/v1/customers/X1/").status_code == 404
    assert api(lead01).get("/api/v1/customers/B1/").status_code == 200


def test_every_portrait_view_is_logged(api, world, rm01a, lead01):
    api(rm01a).get("/api/v1/customers/A1/")
    api(lead01).get("/api/v1/customers/A1/")
    api(rm01a).get("/api/v1/customers/X1/")  # not seen, not logged
    log = list(
        PortraitAccess.objects.order_by("id").values_list("user__username", "customer__cust_no", "action")
    )
    assert log == [("rm01a", "A1", "view"), ("lead01", "A1", "view")]


def test_reveal_is_head_office_only_and_logged(api, anon, world, hq_admin, rm01a, lead01):
    r = api(hq_admin).post("/api/v1/customers/A1/reveal/")
    assert r.status_code == 200
    assert r.json()["phone"] == "13812341234" and r.json()["id_number"] == "320682199001011234"
    assert PortraitAccess.objects.filter(user=hq_admin, action="reveal").count() == 1
    assert api(rm01a).post("/api/v1/customers/A1/reveal/").status_code == 403
    assert api(lead01).post("/api/v1/customers/A1/reveal/").status_code == 403
    assert anon.post("/api/v1/customers/A1/reveal/").status_code == 401
    assert api(hq_admin).post("/api/v1/customers/NOPE/reveal/").status_code == 404


def test_short_identity_values_are_masked_too():
    from rm_portal.customers.masking import mask_id_number, mask_phone

    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("8123") == "**23"
    assert mask_phone("") == ""
    assert mask_id_number("320682199001011234") == "320682********1234"
    assert mask_id_number("12345") == "*****"
