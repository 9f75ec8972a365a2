"""The RM's pages: 企业微信客户 (unbound first, badges), a contact's card, the bind flow without
JavaScript, and the portrait's WeCom line."""

from __future__ import annotations

import pytest

from compliance.models import Channel, Conversation
from rm_portal.wecom.models import ContactFollow
from tests.wecom.contact_rows import customer, follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rm01a, rm02a):
    bound_to = customer(rm01a, "C0001", "13800001111", name="王芳")
    follow(rm01a, "wmBOUND", name="老王", minutes_ago=30, customer=bound_to, bind_method="auto")
    follow(rm01a, "wmNEW", name="新朋友", minutes_ago=10)
    follow(rm02a, "wmFAR", name="远方")
    return bound_to


def test_the_list_shows_the_unbound_first_with_badges(client, rm01a, book):
    client.force_login(rm01a)
    page = client.get("/wecom/contacts/").content.decode()
    assert page.index("新朋友") < page.index("老王")
    assert "待绑定" in page and "已绑定" in page
    assert "远方" not in page
    only = client.get("/wecom/contacts/?bound=0").content.decode()
    assert "新朋友" in only and "老王" not in only


def test_the_customer_list_links_to_the_contacts(client, rm01a, book):
    client.force_login(rm01a)
    assert 'href="/wecom/contacts/"' in client.get("/customers/").content.decode()


def test_the_card_shows_the_binding_masked_and_links_the_archive(client, rm01a, book):
    conversation = Conversation.objects.create(
        channel=Channel.WECOM,
        contact="wmBOUND",
        rm=rm01a,
        opened_by=rm01a,
        branch=rm01a.staff.branch,
        customer=book,
    )
    client.force_login(rm01a)
    page = client.get("/wecom/contacts/wmBOUND/").content.decode()
    assert "王芳" in page and "C0001" in page and "138****1111" in page
    assert "13800001111" not in page
    assert f"/compliance/conversations/{conversation.pk}/" in page


def test_another_branchs_rm_gets_404_and_compliance_403(client, rm02a, compliance, book):
    client.force_login(rm02a)
    assert client.get("/wecom/contacts/wmBOUND/").status_code == 404
    assert client.get("/wecom/contacts/wmBOUND/bind/").status_code == 404
    client.force_login(compliance)
    assert client.get("/wecom/contacts/").status_code == 403


def test_the_bind_flow_searches_the_rms_customers_and_binds(client, rm01a, rm02a, book):
    customer(rm01a, "C0002", "13900002222", name="李雷")
    customer(rm02a, "C0900", "13900009222", name="李四")  # another RM's: never offered
    client.force_login(rm01a)
    by_tail = client.get("/wecom/contacts/wmNEW/bind/", {"q": "2222"}).content.decode()
    assert "李雷" in by_tail and "139****2222" in by_tail and "李四" not in by_tail
    by_name = client.get("/wecom/contacts/wmNEW/bind/", {"q": "李"}).content.decode()
    assert "李雷" in by_name and "李四" not in by_name
    done = client.post("/wecom/contacts/wmNEW/bind/", {"customer": "C0002"}, follow=True)
    assert done.redirect_chain[-1][0] == "/wecom/contacts/wmNEW/"
    assert "已绑定到客户 李雷" in done.content.decode()
    assert ContactFollow.objects.get(contact__external_userid="wmNEW").customer.cust_no == "C0002"


def test_binding_another_rms_customer_on_the_page_says_so_and_stores_nothing(client, rm01a, rm02a, book):
    customer(rm02a, "C0900", name="李四")
    client.force_login(rm01a)
    r = client.post("/wecom/contacts/wmNEW/bind/", {"customer": "C0900"})
    assert r.status_code == 200
    assert "不是您管户的客户" in r.content.decode()
    assert ContactFollow.objects.get(contact__external_userid="wmNEW").customer is None


def test_the_portrait_shows_the_customers_wecom_state(client, rm01a, book):
    client.force_login(rm01a)
    page = client.get("/customers/C0001/").content.decode()
    assert 'data-testid="wecom-contact"' in page and "老王" in page and "已绑定" in page
    customer(rm01a, "C0003", name="没加微信")
    assert "未添加企业微信" in client.get("/customers/C0003/").content.decode()


def test_the_list_page_costs_the_same_queries_for_many_contacts(client, rm01a, book):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(rm01a)
    with CaptureQueriesContext(connection) as few:
        client.get("/wecom/contacts/")
    for n in range(15):
        follow(rm01a, f"wmMANY{n}", customer=customer(rm01a, f"C8{n:03d}"))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/wecom/contacts/").content.decode().count('data-testid="contact"') == 17
    assert len(many) == len(few)


def test_head_office_sees_the_portraits_wecom_state_without_a_link_to_the_rms_card(client, hq_admin, book):
    client.force_login(hq_admin)
    page = client.get("/customers/C0001/").content.decode()
    assert "老王" in page and "/wecom/contacts/wmBOUND/" not in page


def test_the_me_page_lists_the_contacts_for_an_rm(client, rm01a, book):
    client.force_login(rm01a)
    assert 'href="/wecom/contacts/"' in client.get("/me/").content.decode()
