"""The one customer picker: the API search by name, cust_no or the phone's last 4 digits (an
indexed column kept by every writer), scoped, with `%`, `_` and quotes taken literally; and the
page that does the same without JavaScript."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.test import Client

from rm_portal.customers.models import Customer
from rm_portal.customers.phones import phone_tail_of
from rm_portal.customers.services.imports import customers_import
from tests.customers.factories import customer, indicators

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(b01, b02, rm01a, rm01b, rm02a):
    return {
        "a": customer("A1", rm01a, b01, name="王大明", phone="13812345678"),
        "b": customer("A2", rm01a, b01, name="李_红%", phone="13900005678"),
        "c": customer("A3", rm01a, b01, name="O'Brien 张", phone="+86 137-0000-1111"),
        "other": customer("B1", rm01b, b01, name="王同事", phone="13500005678"),
        "far": customer("X1", rm02a, b02, name="王城西", phone="13600005678"),
    }


def found(api, user, q) -> list[str]:
    r = api(user).get("/api/v1/customers/", {"q": q})
    assert r.status_code == 200
    return sorted(row["cust_no"] for row in r.json()["results"])


@pytest.mark.parametrize(
    ("phone", "tail"),
    [("13812345678", "5678"), ("+86 137-0000-1111", "1111"), ("123", ""), ("", ""), ("12a34", "1234")],
)
def test_phone_tail_of(phone, tail):
    assert phone_tail_of(phone) == tail


def test_tail_name_and_cust_no_scoped(api, book, rm01a, lead01, hq_admin):
    assert found(api, rm01a, "5678") == ["A1", "A2"]  # not the colleague's, not the other branch's
    assert found(api, lead01, "5678") == ["A1", "A2", "B1"]
    assert found(api, hq_admin, "5678") == ["A1", "A2", "B1", "X1"]
    assert found(api, rm01a, "1111") == ["A3"]  # the tail of a number written with spaces and dashes
    assert found(api, rm01a, "王") == ["A1"]
    assert found(api, rm01a, "A3") == ["A3"]
    assert found(api, rm01a, "1234") == []  # not a substring search of the phone
    rows = api(rm01a).get("/api/v1/customers/", {"q": "5678"}).json()["results"]
    assert all("****" in row["phone"] for row in rows)


@pytest.mark.parametrize(("q", "hits"), [("%", ["A2"]), ("_", ["A2"]), ("'", ["A3"]), ('"', []), ("%'", [])])
def test_wildcards_and_quotes_are_literal(api, book, rm01a, q, hits):
    assert found(api, rm01a, q) == hits


def test_the_tail_is_kept_by_save_and_by_the_import(book, hq_admin, b01, rm01a):
    indicators()
    book["a"].phone = "13812340000"
    book["a"].save(update_fields=["phone"])
    assert Customer.objects.get(pk=book["a"].pk).phone_tail == "0000"
    csv = (
        "cust_no,name,branch,owner,phone\n"
        "A1,王大明,B01,rm01a,13811112222\n"
        "N1,新客户,B01,rm01a,139 8888 7777\n"
    )
    result = customers_import(raw=csv.encode(), as_of=date(2026, 11, 20))
    assert result["failed"] == 0, result["errors"]
    assert dict(Customer.objects.filter(cust_no__in=["A1", "N1"]).values_list("cust_no", "phone_tail")) == {
        "A1": "2222",
        "N1": "7777",
    }


def test_the_migration_fills_existing_rows(book):
    Customer.objects.update(phone_tail="")
    migration = importlib.import_module("rm_portal.customers.migrations.0006_customer_phone_tail")
    migration.fill_tails(django_apps, None)
    assert Customer.objects.get(cust_no="A3").phone_tail == "1111"
    assert not Customer.objects.filter(phone_tail="").exclude(phone="").exists()


def test_the_page_without_javascript(book, rm01a):
    client = Client()
    client.force_login(rm01a)
    html = client.get(
        "/customers/pick/", {"q": "5678", "next": "/materials/3/?x=1&customer=old"}
    ).content.decode()
    assert "/materials/3/?x=1&amp;customer=A1" in html and "A2" in html and "B1" not in html
    assert "13812345678" not in html
    evil = client.get("/customers/pick/", {"q": "王", "next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in evil and "/materials/?customer=A1" in evil
    assert client.get("/customers/pick/", {"q": "%"}).status_code == 200
