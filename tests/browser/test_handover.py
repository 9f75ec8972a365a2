"""The lead's handover at 375 px: choose, preview, confirm explicitly, read the record."""

from __future__ import annotations

import pytest

from rm_portal.customers.models import Customer, Handover
from tests.browser.conftest import login
from tests.customers.factories import customer, indicators

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(b01, rm01a, rm01b):
    indicators()
    for n in range(12):
        customer(f"62000000{n:02d}", rm01a, b01, name=f"客户{n:02d}")


def test_lead_previews_confirms_and_reads_the_record(phone, book, lead01, rm01a, rm01b, password):
    login(phone, "lead01", password)
    phone.goto(f"{phone.base}/customers/handover/")
    form = phone.locator("[data-testid=handover-form]")
    form.locator("select[name=leaver]").select_option("rm01a")
    form.locator("select[name=to]").select_option("rm01b")
    form.locator("button[type=submit]").click()

    preview = phone.locator("[data-testid=handover-preview]")
    preview.wait_for()
    assert phone.locator("[data-testid=count-customers]").inner_text() == "12"
    assert "客户00、客户01" in preview.inner_text()
    assert "checklist_runs_withdrawn" not in preview.inner_text()  # words, not keys
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    box = phone.locator("label.ho-check").bounding_box()
    assert box is not None and box["height"] >= 44
    phone.shot("handover-preview-375")

    # Submitting without the tick is stopped by the browser itself: nothing moves.
    confirm = phone.locator("[data-testid=handover-confirm]")
    phone.fill("[data-testid=confirm-name]", "陈静")
    confirm.locator("button[type=submit]").click()
    assert not Handover.objects.exists()
    confirm.locator("input[name=confirm]").check()
    confirm.locator("button[type=submit]").click()

    result = phone.locator("[data-testid=handover-result]")
    result.wait_for()
    assert "张晓明 → 陈静" in result.inner_text()
    assert "客户" in result.inner_text() and "12" in result.inner_text()
    assert Customer.objects.filter(owner=rm01b).count() == 12
    followup = phone.locator("[data-testid=handover-followup]").inner_text()
    assert "企业微信客户迁移" in followup and "没有需要迁移的企业微信客户" in followup
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("handover-record-375")

    phone.goto(f"{phone.base}/customers/handover/")
    assert phone.locator("[data-testid=handover-record]").count() == 1
