"""The chat sidebar on a 375 px phone, opened as the simulator's chat toolbar would (its signed
context): a bound contact's masked brief and a script sent with the compliance check in the page;
an unbound contact shows the bind flow first. Axe finds nothing serious on either."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rm_portal.customers.models import Customer, TimelineEvent
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.wecom.models import ContactFollow, ExternalContact
from tests.browser.conftest import login
from tests.wecom_sim.conftest import APP_SECRET, CORP_ID, Client, sim_config
from wecom_sim.server import Simulator, serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def simulator(live_server, settings):
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_SECRET = APP_SECRET
    sim = Simulator(sim_config())
    server = serve_in_thread(sim)
    settings.WECOM_API_BASE = sim.config.public_url
    yield Client(sim.config.public_url)
    server.shutdown()
    server.server_close()


def follow(rm, external_userid: str, customer=None) -> ContactFollow:
    person = ExternalContact.objects.create(external_userid=external_userid, name="老王")
    return ContactFollow.objects.create(contact=person, rm=rm, customer=customer, added_at=timezone.now())


def context(sim: Client, rm, external_userid: str) -> str:
    body = {"userid": rm.staff.wechat_id, "external_userid": external_userid}
    return sim.post("/_sim/sidebar_context", body)["context"]


def axe_serious(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_sidebar_sends_a_checked_script_and_an_unbound_contact_binds_first(
    phone, simulator, rm01a, password
):
    book = Customer.objects.create(
        cust_no="6200000009", name="王建国", phone="13812345678", branch=rm01a.staff.branch, owner=rm01a
    )
    follow(rm01a, "wmBOUND", book)
    follow(rm01a, "wmNEW")
    rule = OpportunityRule.objects.create(code="m", name="到期提醒", kind="maintain", condition="aum > 0")
    Opportunity.objects.create(
        rule=rule,
        customer=book,
        branch=book.branch,
        assignee=rm01a,
        due_at=timezone.now() + timedelta(days=2),
        script="王先生您好，您的定期下周到期。",
    )
    login(phone, "rm01a", password)
    phone.goto(f"{phone.base}/sidebar/?ctx={context(simulator, rm01a, 'wmBOUND')}")
    brief = phone.locator("[data-testid=sidebar-brief]").inner_text()
    assert "王**" in brief and "138****5678" in brief
    phone.click("[data-testid=send-script]")
    phone.locator("[data-testid=sidebar-status]", has_text="已发送").wait_for()
    assert "王先生您好" in phone.locator("[data-testid=sidebar-status]").inner_text()
    assert TimelineEvent.objects.filter(customer=book, kind="opportunity_script_sent").count() == 1
    assert axe_serious(phone) == []
    phone.shot("sidebar-bound")

    phone.goto(f"{phone.base}/sidebar/?ctx={context(simulator, rm01a, 'wmNEW')}")
    assert phone.locator("[data-testid=sidebar-unbound]").is_visible()
    assert phone.locator("[data-testid=sidebar-opportunities]").count() == 0
    assert axe_serious(phone) == []
    phone.click("[data-testid=sidebar-bind]")
    assert phone.url.endswith("/wecom/contacts/wmNEW/bind/")
