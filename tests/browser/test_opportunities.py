"""The RM's opportunity flow on a phone: 商机 tab → one opportunity → copy the script → complete."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.generation import opportunity_rules_run
from tests.browser.conftest import login
from tests.opportunities import conftest as opportunities
from tests.opportunities.factories import rule

world = opportunities.world  # the same small bank as the unit tests
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rm_opens_an_opportunity_copies_the_script_and_completes_it(phone, world, rm01a, password):
    rule(script="您好{customer_name}，我是{rm_name}，您的定期快到期了。")
    opportunity_rules_run()
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=phone.base)
    login(phone, "rm01a", password)
    phone.click("[data-tab=opportunities]")
    phone.wait_for_selector("[data-testid=opportunity]")
    phone.click("[data-testid=opportunity]")
    script = phone.text_content("[data-testid=script]")
    assert script == "您好客户C1，我是张晓明，您的定期快到期了。"
    # The call button goes through the logged click-to-call step; the page itself never has the number.
    assert phone.get_attribute("[data-testid=call]", "href").startswith(
        f"/opportunities/{Opportunity.objects.get(customer=world['c1']).pk}/call/?t="
    )
    assert "13812341234" not in phone.content()
    phone.click("[data-testid=copy]")
    # expect(), not wait_for_function("…"): a string predicate is eval'd in the page, which the CSP forbids.
    expect(phone.get_by_test_id("copy")).to_contain_text("已复制")
    assert phone.evaluate("navigator.clipboard.readText()") == script
    phone.shot("opportunity-detail")
    phone.check("input[value=converted]")
    phone.fill("input[name=amount]", "50000")
    phone.fill("textarea[name=note]", "客户同意续存")
    phone.click("[data-testid=complete]")
    phone.wait_for_selector(".flash__item")
    opportunity = Opportunity.objects.get(customer=world["c1"])
    assert opportunity.status == "done" and opportunity.outcome == "converted"
    phone.shot("opportunity-inbox-after")


def test_lead_reviews_a_completed_opportunity_and_sees_the_chart(phone, world, rm01a, lead01, password):
    from rm_portal.opportunities.services.execution import opportunity_complete

    rule()
    rule(code="dormant", name="沉睡客户唤醒", condition="tag(沉睡客户)")
    opportunity_rules_run()
    for opportunity in Opportunity.objects.filter(assignee=rm01a):
        opportunity_complete(opportunity=opportunity, by=rm01a, outcome="converted", amount=1000)
    login(phone, "lead01", password)
    phone.goto(f"{phone.base}/opportunities/review/")
    phone.fill("input[name=comment] >> nth=0", "触发准确")
    phone.click("button[name=accurate][value='1'] >> nth=0")
    phone.wait_for_selector(".flash__item")
    assert Opportunity.objects.filter(accurate=True, review_comment="触发准确").count() == 1
    phone.goto(f"{phone.base}/opportunities/stats/")
    assert phone.locator("[data-testid=conversion-chart] rect").count() == 4
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("opportunity-stats")
