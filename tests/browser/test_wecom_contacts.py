"""The RM's bind flow on a 375 px phone: a customer adds the RM through the simulator (a real signed
event into the live server), the RM finds the new contact at the top of 企业微信客户, searches their
customers by phone tail and binds it; the card then shows the binding."""

from __future__ import annotations

import pytest

from rm_portal.customers.models import Customer
from rm_portal.org.models import Staff
from rm_portal.wecom.models import ContactFollow
from tests.browser.conftest import login
from tests.wecom_sim.conftest import AES_KEY, CONTACT_SECRET, CORP_ID, TOKEN, Client, sim_config
from wecom_sim.server import Simulator, serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def simulator(live_server, settings):
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    settings.WECOM_CALLBACK_TOKEN = TOKEN
    settings.WECOM_CALLBACK_AES_KEY = AES_KEY
    sim = Simulator(sim_config(callback=f"{live_server.url}/wecom/callback/"))
    server = serve_in_thread(sim)
    settings.WECOM_API_BASE = sim.config.public_url
    yield Client(sim.config.public_url)
    server.shutdown()
    server.server_close()


def test_an_rm_binds_a_new_wecom_contact_on_the_phone(phone, simulator, rm01a, password):
    Staff.objects.filter(user=rm01a).update(wechat_id="zhangxm")
    branch = rm01a.staff.branch
    Customer.objects.create(
        cust_no="6200000001", name="王建国", phone="13812345678", branch=branch, owner=rm01a
    )
    Customer.objects.create(
        cust_no="6200000002", name="李晓红", phone="13900001111", branch=branch, owner=rm01a
    )
    # The phone the RM noted in WeCom matches nobody: the contact waits for the RM.
    added = simulator.post(
        "/_sim/add_customer", {"userid": "zhangxm", "name": "建国", "mobile": "13700000000"}
    )
    assert added["delivered"]["body"] == "success", added

    login(phone, "rm01a", password)
    phone.goto(f"{phone.base}/customers/")
    phone.click("[data-testid=wecom-contacts]")
    first = phone.locator("[data-testid=contact]").first
    assert "建国" in first.inner_text() and "待绑定" in first.inner_text()
    phone.shot("wecom-contacts-list")
    first.click()
    phone.click("[data-testid=bind]")
    phone.fill("[data-testid=q]", "5678")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("[data-testid=candidates]")
    candidates = phone.locator("[data-testid=candidates] li")
    assert candidates.count() == 1 and "王建国" in candidates.first.inner_text()
    assert "138****5678" in candidates.first.inner_text()
    box = phone.locator("[data-testid=pick]").first.bounding_box()
    assert box is not None and box["height"] >= 44
    phone.shot("wecom-contacts-bind")
    phone.click("[data-testid=pick]")
    phone.wait_for_selector("[data-testid=bound-customer]")
    assert "王建国" in phone.inner_text("[data-testid=binding]")
    assert "已绑定" in phone.inner_text("[data-testid=status]")
    phone.shot("wecom-contacts-card")
    follow = ContactFollow.objects.get(contact__external_userid=added["external_userid"])
    assert (follow.customer.cust_no, follow.bind_method, follow.bound_by) == ("6200000001", "manual", rm01a)
    # No horizontal scrolling at 375 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
