"""The RM's morning at 375 px: open a portrait, reveal a call, write a note, send a recommended
script to this customer with the customer already filled in, and find a customer by phone tail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rm_portal.customers.models import PortraitAccess, TimelineEvent
from rm_portal.matching.models import Shown
from tests.browser.conftest import login
from tests.matching import conftest as matching

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
signals, shelf, wang = matching.signals, matching.shelf, matching.wang


def fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_rm_calls_writes_a_note_and_sends_a_script_from_the_portrait(phone, wang, rm01a, password):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.goto(f"{phone.base}/customers/W1/")
    assert phone.get_by_test_id("phone").inner_text() == "138****1234"
    assert "13812341234" not in phone.content()
    recs = phone.get_by_test_id("recommendation")
    assert recs.count() >= 3 and "天后到期" in phone.get_by_test_id("recommendations").inner_text()
    assert Shown.objects.filter(customer=wang).exists()
    fits(phone)
    phone.shot("portrait-hub")

    # The call: a logged server step that answers the dialler's URL, never the page.
    href = phone.get_attribute("[data-testid=call]", "href")
    answer = phone.request.get(f"{phone.base}{href}", max_redirects=0)
    assert answer.status == 302 and answer.headers["location"] == "tel:+8613812341234"
    assert PortraitAccess.objects.filter(user=rm01a, action="reveal").count() == 1

    # A note with markup is kept as text and shown escaped on the timeline.
    phone.click("[data-testid=goto-note]")
    phone.fill("[data-testid=note-text]", "客户考虑续存 <b>三年期</b>")
    phone.click("[data-testid=note-save]")
    phone.wait_for_url("**/customers/W1/#timeline")
    expect(phone.get_by_test_id("note").first).to_have_text("客户考虑续存 <b>三年期</b>")
    assert TimelineEvent.objects.get(kind="note").detail["text"] == "客户考虑续存 <b>三年期</b>"
    fits(phone)
    phone.shot("portrait-note")

    # Send the recommended script: the share form already names the customer.
    phone.locator("[data-kind=script] [data-testid=send-recommendation]").first.click()
    phone.wait_for_url("**/materials/*/?customer=W1")
    expect(phone.locator("[data-picker-input]")).to_have_value("W1")
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=phone.base)
    phone.click("[data-testid=copy]")
    expect(phone.get_by_test_id("share-text")).to_have_value(re.compile("王大明您好"))
    fits(phone)
    phone.shot("portrait-send-script")


def test_the_picker_finds_a_customer_by_the_last_four_digits(phone, wang, rm01a, password):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.goto(f"{phone.base}/materials/{script_pk()}/")
    expect(phone.get_by_test_id("picker-fallback")).to_be_hidden()  # the script took over
    phone.fill("[data-testid=picker-q]", "1234")
    choice = phone.locator(".picker__choice").first
    expect(choice).to_contain_text("王大明")
    choice.click()
    expect(phone.locator("[data-picker-input]")).to_have_value("W1")
    fits(phone)
    phone.shot("picker-tail")


def test_without_javascript_the_picker_is_a_search_page(browser, live_server, wang, rm01a, password):
    from tests.browser.conftest import PHONE

    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.base = live_server.url
    login(page, "rm01a", password)
    page.goto(f"{page.base}/materials/{script_pk()}/")
    page.click("[data-testid=picker-fallback]")
    page.fill("[data-testid=pick-q]", "1234")
    page.click("[data-testid=pick-form] button")
    page.click("[data-testid=pick-results] a")
    assert page.input_value("[data-picker-input]") == "W1"
    context.close()


def script_pk() -> int:
    from materials.models import Material

    return Material.objects.get(title="定期存款到期提醒").pk
