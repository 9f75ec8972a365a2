"""The phone pages: same scope and services as the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rm_portal.core.models import Job
from rm_portal.customers.models import (
    Customer,
    CustomerTag,
    Holding,
    IndicatorDefinition,
    PortraitAccess,
    TagDefinition,
)
from tests.customers.factories import customer, indicators


@pytest.fixture
def world(b01, b02, rm01a, rm01b, rm02a):
    indicators()
    hnw = TagDefinition.objects.create(code="hnw", name="高净值", category="资产", rule="aum >= 1000000")
    mine = customer(
        "A1",
        rm01a,
        b01,
        {"aum": 2_000_000, "age": 45, "is_payroll": True},
        name="王大明",
        phone="13812341234",
        aum=2_000_000,
    )
    customer("A2", rm01a, b01, {"aum": 1}, name="李小红")
    customer("B1", rm01b, b01, {}, name="同事客户")
    customer("X1", rm02a, b02, {}, name="城西客户")
    CustomerTag.objects.create(customer=mine, tag=hnw, since=timezone.now())
    Holding.objects.create(
        customer=mine,
        product="整存整取1年",
        type="time_deposit",
        amount=300000,
        maturity_date=timezone.localdate() + timedelta(days=2),
    )
    Holding.objects.create(customer=mine, product="稳盈180天", type="wealth", amount=100000)
    return mine


def test_rm_sees_own_customers_with_tag_chips(client, world, rm01a, django_assert_max_num_queries):
    client.force_login(rm01a)
    with django_assert_max_num_queries(15):
        page = client.get("/customers/").content.decode()
    assert "王大明" in page and "李小红" in page and "同事客户" not in page and "城西客户" not in page
    assert "138****1234" in page and "13812341234" not in page
    assert "高净值" in page and 'data-tab="customers"' in page
    filtered = client.get("/customers/?tag=hnw").content.decode()
    assert "王大明" in filtered and "李小红" not in filtered


def test_lead_sees_the_branch(client, world, lead01):
    client.force_login(lead01)
    page = client.get("/customers/").content.decode()
    assert "同事客户" in page and "城西客户" not in page and "离职交接" in page


def test_portrait_page(client, world, rm01a):
    client.force_login(rm01a)
    r = client.get("/customers/A1/")
    page = r.content.decode()
    assert r.status_code == 200
    assert "138****1234" in page and "13812341234" not in page
    assert "<svg" in page and "<details" in page and "2 天后到期" in page
    assert IndicatorDefinition.objects.get(code="age").name in page
    assert PortraitAccess.objects.filter(user=rm01a, customer=world, action="view").count() == 1


def test_portrait_page_scope(client, world, rm01a, compliance):
    client.force_login(rm01a)
    assert client.get("/customers/X1/").status_code == 404
    assert client.get("/customers/B1/").status_code == 404
    client.force_login(compliance)
    assert client.get("/customers/A1/").status_code == 403
    assert client.get("/customers/").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    assert client.get("/customers/")["Location"].startswith("/accounts/login/")


def test_head_office_import_page(
    client, world, hq_admin, rm01a, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(hq_admin)
    assert client.get("/customers/import/").status_code == 200
    csv = "cust_no,name,branch,aum\nP1,新客户,B01,5\nP2,坏,B01,x\n".encode("gbk")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/customers/import/", {"file": SimpleUploadedFile("w.csv", csv)})
    job = Job.objects.get()
    assert r["Location"] == f"/customers/import/?job={job.pk}"
    page = client.get(r["Location"]).content.decode()
    assert "progress__bar" in page and "第 3 行" in page
    assert Customer.objects.filter(cust_no="P1").exists()
    r = client.post(
        "/customers/import/", {"file": SimpleUploadedFile("w.csv", b"cust_no,bogus\n")}, follow=True
    )
    assert "bogus" in r.content.decode()
    client.force_login(rm01a)
    assert client.get("/customers/import/").status_code == 403


def test_lead_hands_over_on_the_page(client, world, lead01, rm01a, rm01b):
    client.force_login(lead01)
    page = client.get("/customers/handover/").content.decode()
    assert "rm01a" in page and "rm02a" not in page
    r = client.get("/customers/handover/preview/", {"leaver": "rm01a", "to": "rm01a"}, follow=True)
    assert "不能交接给本人" in r.content.decode()
    r = client.get("/customers/handover/preview/", {"leaver": "rm01a", "to": "rm01b"})
    token = r.context["preview"].token
    body = {"leaver": "rm01a", "to": "rm01b", "mode": "resigned", "token": token, "confirm": "on"}
    r = client.post("/customers/handover/confirm/", {**body, "confirm_name": "rm01b"}, follow=True)
    assert "交接已完成" in r.content.decode()
    assert Customer.objects.filter(owner=rm01b).count() == 3
    client.force_login(rm01b)
    assert client.get("/customers/handover/").status_code == 403


def test_today_shows_deposits_maturing_this_week(client, world, rm01a, rm02a, hq_admin):
    client.force_login(rm01a)
    page = client.get("/").content.decode()
    assert 'data-testid="due-card"' in page and "王大明" in page
    client.force_login(rm02a)
    assert "王大明" not in client.get("/").content.decode()
    client.force_login(hq_admin)
    assert "/customers/import/" in client.get("/").content.decode()


def test_pages_speak_english_when_chosen(client, world, rm01a):
    client.force_login(rm01a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/customers/A1/").content.decode()
    assert "Customer portrait" in page and "matures in 2 days" in page
    assert "My customers" in client.get("/customers/").content.decode()
