from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rm_portal.customers.models import CustomerTag, Holding, TimelineEvent
from rm_portal.customers.services.tags import tag_create, tags_recompute
from tests.browser.conftest import login
from tests.customers.factories import customer, indicators

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(b01, b02, rm01a, rm02a):
    indicators()
    tag_create(code="hnw", name="高净值", category="资产", rule="aum >= 1000000")
    tag_create(code="td_due", name="定期到期", category="到期", rule="td_maturing_days <= 7")
    tag_create(code="payroll", name="代发客户", category="客群", rule="is_payroll = true")
    rich = customer(
        "6200000001",
        rm01a,
        b01,
        {
            "aum": 2_350_000,
            "age": 52,
            "gender": "男",
            "is_payroll": True,
            "td_maturing_days": 3,
            "days_since_last_txn": 4,
        },
        name="王建国",
        phone="13812345678",
        id_number="320682197203041234",
        aum=2_350_000,
        risk_rating="C3",
    )
    customer(
        "6200000002", rm01a, b01, {"aum": 80_000, "age": 33, "is_payroll": True}, name="李晓红", aum=80_000
    )
    customer("6200000003", rm02a, b02, {"aum": 5_000_000}, name="城西大户", aum=5_000_000)
    today = timezone.localdate()
    Holding.objects.create(
        customer=rich,
        product="整存整取1年",
        type="time_deposit",
        amount=800_000,
        maturity_date=today + timedelta(days=3),
    )
    Holding.objects.create(
        customer=rich,
        product="稳盈180天",
        type="wealth",
        amount=600_000,
        maturity_date=today + timedelta(days=60),
    )
    Holding.objects.create(customer=rich, product="活期储蓄", type="demand", amount=350_000)
    Holding.objects.create(customer=rich, product="沪深300指数基金", type="fund", amount=200_000)
    TimelineEvent.objects.create(
        customer=rich, kind="note", title="电话回访：关注定期到期后的理财配置", occurred_at=timezone.now()
    )
    tags_recompute()
    assert CustomerTag.objects.filter(customer=rich).count() == 3


def test_rm_filters_by_tag_and_opens_a_portrait(phone, book, rm01a, password):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=customers]")
    phone.wait_for_url(f"{phone.base}/customers/")
    assert phone.get_by_test_id("customer").count() == 2
    assert "城西大户" not in phone.content()
    phone.select_option("[data-testid=tag-select]", "hnw")
    phone.get_by_role("button", name="筛选").click()
    phone.wait_for_url("**/customers/?*tag=hnw*")
    assert phone.get_by_test_id("customer").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("rm01a-customers-hnw")
    phone.get_by_test_id("customer").first.click()
    phone.wait_for_url(f"{phone.base}/customers/6200000001/")
    assert phone.get_by_test_id("phone").inner_text() == "138****5678"
    assert phone.get_by_test_id("holdings-chart").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot = phone.shot("rm01a-portrait")
    assert shot.stat().st_size > 5_000


def test_head_office_imports_a_file_and_sees_the_progress(
    phone, book, hq_admin, password, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    login(phone, "hq_admin", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[href='/customers/import/']")
    phone.wait_for_url(f"{phone.base}/customers/import/")
    csv = tmp_path / "wide.csv"
    csv.write_bytes(
        "cust_no,name,branch,owner,aum,age\n6200000009,新客户,B01,rm01a,1500000,40\nBAD,坏,B01,,x,1\n".encode(
            "gbk"
        )
    )
    phone.set_input_files("input[type=file]", str(csv))
    phone.get_by_role("button", name="上传并导入").click()
    phone.wait_for_url("**/customers/import/?job=*")
    card = phone.locator("[data-job]").first
    assert card.get_attribute("data-state") == "done"  # Celery runs eagerly in tests
    assert "第 3 行" in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("hq_admin-import")
