from __future__ import annotations

import pytest

from compliance.models import Alert
from compliance.services.ingestion import messages_ingest
from tests.browser.conftest import login
from tests.compliance.factories import demo_terms, item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_compliance_officer_opens_an_alert_and_resolves_it(phone, compliance, rm01a, password):
    demo_terms()
    messages_ingest(
        items=[item("rm01a", "您好"), item("rm01a", "放心，这款保 證收益"), item("rm01a", "好的")],
        by=rm01a,
        gateway=True,
    )
    login(phone, "compliance", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=alerts]")
    phone.wait_for_url(f"{phone.base}/compliance/alerts/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("compliance-alerts")
    phone.get_by_test_id("alert-link").first.click()
    assert phone.get_by_test_id("alert-message").inner_text() == "放心，这款保 證收益"
    phone.get_by_label("确认违规").check()
    phone.fill("textarea[name=note]", "已约谈客户经理")
    phone.shot("compliance-alert")
    phone.get_by_role("button", name="提交处置").click()
    assert phone.get_by_test_id("alert-status").inner_text() == "确认违规"
    assert "已约谈客户经理" in phone.get_by_test_id("history").inner_text()
    phone.shot("compliance-alert-resolved")
    assert Alert.objects.get().status == "confirmed"
    # the search, with the evasion found by the plain query and highlighted
    phone.click("a[data-tab=search]")
    phone.fill("input[name=q]", "保证收益")
    phone.get_by_role("button", name="检索").click()
    assert phone.locator("mark.cmp-hit").first.inner_text() == "保 證收益"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("compliance-search")
