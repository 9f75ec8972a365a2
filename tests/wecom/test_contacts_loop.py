"""The whole loop over HTTP, both halves live: the RM's 联系我 code → the simulator's customer "adds"
the RM → a signed, encrypted event into /wecom/callback/ → the handler looks the contact up in the
simulator → the contact is stored, attributed, bound by phone → the welcome is sent (the
simulator records it). Then edits, removals, transfers and WeCom failing."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest

from compliance.services.lexicon import term_create
from rm_portal.customers.models import Customer, TimelineEvent
from rm_portal.notifications.models import Notification
from rm_portal.wecom.models import CallbackEvent, ContactFollow, ContactWay, ExternalContact
from rm_portal.wecom.services import callback_event_handle
from tests.materials.factories import poster
from tests.wecom_sim.conftest import AES_KEY, CONTACT_SECRET, CORP_ID, TOKEN, Client, sim_config
from wecom_sim.server import Simulator, event_xml, serve_in_thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loop(live_server, settings):
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    settings.WECOM_CALLBACK_TOKEN = TOKEN
    settings.WECOM_CALLBACK_AES_KEY = AES_KEY
    simulator = Simulator(sim_config(callback=f"{live_server.url}/wecom/callback/"))
    server = serve_in_thread(simulator)
    settings.WECOM_API_BASE = simulator.config.public_url
    yield simulator, Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()


def _customer(owner, cust_no: str, phone: str, name: str = "王芳") -> Customer:
    return Customer.objects.create(
        cust_no=cust_no, name=name, phone=phone, branch=owner.staff.branch, owner=owner
    )


def _add(sim: Client, **body) -> dict:
    answer = sim.post("/_sim/add_customer", {"userid": "zhangxm", "name": "王女士", **body})
    assert answer["delivered"]["status"] == 200 and answer["delivered"]["body"] == "success", answer
    return answer


def test_an_add_through_the_rms_code_is_stored_attributed_bound_and_welcomed(api, loop, rm):
    simulator, sim = loop
    customer = _customer(rm, "C1001", "13800001234")
    code = api(rm).get("/api/v1/me/contact-way/").json()
    # The customer scans the code; WeCom knows the phone the RM noted, written its own way.
    answer = _add(sim, config_id=code["config_id"], mobile="+86 138-0000-1234")

    event = CallbackEvent.objects.get()
    assert event.status == CallbackEvent.Status.HANDLED, event.error
    follow = ContactFollow.objects.select_related("contact").get()
    assert follow.contact.external_userid == answer["external_userid"]
    assert follow.contact.name == "王女士"
    assert follow.rm == rm
    assert (follow.source, follow.contact_way, follow.state) == (
        ContactFollow.Source.RM,
        ContactWay.objects.get(owner=rm),
        code["state"],
    )
    assert follow.remark_mobiles == ["+86 138-0000-1234"]
    assert (follow.customer, follow.bind_method, follow.bound_by) == (
        customer,
        ContactFollow.BindMethod.AUTO,
        None,
    )
    customer.refresh_from_db()
    assert customer.wechat_external_id == answer["external_userid"]
    assert TimelineEvent.objects.filter(customer=customer, kind="wecom_bind").count() == 1
    # The welcome went out once, with the welcome code of this add and the RM's name in it.
    assert [w["welcome_code"] for w in simulator.state.welcomes] == [answer["welcome_code"]]
    assert "张晓明" in simulator.state.welcomes[0]["text"]["content"]
    assert follow.welcome_sent_at is not None and follow.welcome_error == ""


def test_a_poster_code_attributes_the_add_to_the_poster(api, loop, rm, hq_admin):
    _, sim = loop
    material = poster(hq_admin)
    way = ContactWay.objects.create(
        owner=rm, material=material, config_id="cfg-poster", qr_code="https://x.test/q.png", state="p123"
    )
    _add(sim, state=way.state)
    follow = ContactFollow.objects.get()
    assert follow.source == ContactFollow.Source.POSTER
    assert (follow.material, follow.contact_way) == (material, way)


def test_a_state_of_another_rms_code_attributes_nothing(api, loop, rm, rm01b):
    _, sim = loop
    ContactWay.objects.create(owner=rm01b, config_id="cfg-b", qr_code="https://x.test/b.png", state="rbbb")
    _add(sim, state="rbbb")
    follow = ContactFollow.objects.get()
    assert (follow.rm, follow.source, follow.contact_way) == (rm, ContactFollow.Source.OTHER, None)


def test_a_phone_two_customers_share_stays_unbound_and_a_phone_outside_the_scope_binds_nothing(
    loop, rm, rm02a
):
    _, sim = loop
    _customer(rm, "C2001", "13900002222", "丈夫")
    _customer(rm, "C2002", "139 0000 2222", "妻子")
    _customer(rm02a, "C2003", "13700003333")  # another branch's customer
    _add(sim, mobile="13900002222", external_userid="wmFAMILY")
    _add(sim, mobile="13700003333", external_userid="wmOTHER")
    assert list(ContactFollow.objects.order_by("pk").values_list("customer", flat=True)) == [None, None]
    assert Customer.objects.exclude(wechat_external_id="").count() == 0


def test_the_same_add_twice_is_one_contact_and_one_welcome(loop, rm):
    simulator, sim = loop
    first = _add(sim, external_userid="wmTWICE")
    # The exact same signed event delivered again (WeCom retries an unanswered push) …
    plain = event_xml(CORP_ID, "add_external_contact", {"UserID": "zhangxm", "ExternalUserID": "wmTWICE"})
    query, body = simulator.envelope(plain)
    for _ in range(2):
        url = f"{simulator.config.callback}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, data=body.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.read() == b"success"
    # … and WeCom announcing the add a second time with a new welcome code.
    _add(sim, external_userid="wmTWICE")
    assert CallbackEvent.objects.count() == 3
    assert ExternalContact.objects.count() == 1
    assert ContactFollow.objects.count() == 1
    assert [w["welcome_code"] for w in simulator.state.welcomes] == [first["welcome_code"]]


def test_a_welcome_the_compliance_matcher_blocks_is_not_sent_and_says_why(loop, rm, settings):
    simulator, sim = loop
    term_create(term="保本", category="承诺收益", severity="block")
    settings.WECOM_WELCOME_TEXT = "您好，我是{rm}，我们的理财保本保息。"
    _add(sim)
    follow = ContactFollow.objects.get()
    assert simulator.state.welcomes == []
    assert follow.welcome_sent_at is None
    assert "保本" in follow.welcome_error


def test_an_edit_refreshes_the_remark_and_binds_an_unbound_contact_by_its_new_mobile(loop, rm):
    _, sim = loop
    customer = _customer(rm, "C3001", "13600004444")
    answer = _add(sim)
    assert ContactFollow.objects.get().customer is None
    edited = sim.post(
        "/_sim/edit",
        {
            "userid": "zhangxm",
            "external_userid": answer["external_userid"],
            "remark": "王芳-理财",
            "remark_mobiles": ["13600004444"],
            "tags": ["高净值"],
        },
    )
    assert edited["delivered"]["body"] == "success"
    follow = ContactFollow.objects.get()
    assert (follow.remark, follow.remark_mobiles, follow.customer) == ("王芳-理财", ["13600004444"], customer)
    assert [t["tag_name"] for t in follow.wecom_tags] == ["高净值"]


def test_an_edit_never_moves_a_binding_the_rm_made(api, loop, rm):
    _, sim = loop
    chosen = _customer(rm, "C4001", "13500005555", "本人")
    _customer(rm, "C4002", "13600006666", "别人")
    answer = _add(sim)
    url = f"/api/v1/contacts/{answer['external_userid']}/bind/"
    r = api(rm).post(url, {"customer": "C4001"}, format="json")
    assert r.status_code == 200, r.content
    sim.post(
        "/_sim/edit",
        {
            "userid": "zhangxm",
            "external_userid": answer["external_userid"],
            "remark_mobiles": ["136 0000 6666"],
        },
    )
    follow = ContactFollow.objects.get()
    assert (follow.customer, follow.bind_method) == (chosen, ContactFollow.BindMethod.MANUAL)


def test_the_customer_removing_the_rm_makes_the_contact_lost_and_tells_the_rm_and_lead_once(
    loop, rm, lead01, lead02
):
    simulator, sim = loop
    answer = _add(sim)
    removed = sim.post(
        "/_sim/remove", {"userid": "zhangxm", "external_userid": answer["external_userid"], "by": "customer"}
    )
    assert removed["delivered"]["body"] == "success"
    follow = ContactFollow.objects.get()
    assert follow.status == ContactFollow.Status.LOST and follow.status_changed_at is not None
    told = Notification.objects.filter(kind="wecom_contact_lost")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["lead01", "rm01a"]
    assert f"/wecom/contacts/{answer['external_userid']}/" in told.first().link
    # The same removal announced again tells nobody twice.
    simulator.push("del_follow_user", {"UserID": "zhangxm", "ExternalUserID": answer["external_userid"]})
    assert told.count() == 2


def test_the_rm_removing_the_customer_makes_the_contact_removed(loop, rm):
    _, sim = loop
    answer = _add(sim)
    sim.post("/_sim/remove", {"userid": "zhangxm", "external_userid": answer["external_userid"], "by": "rm"})
    assert ContactFollow.objects.get().status == ContactFollow.Status.REMOVED


def test_a_readd_after_the_customer_removed_the_rm_is_active_and_welcomed_again(loop, rm):
    simulator, sim = loop
    _add(sim, external_userid="wmBACK")
    sim.post("/_sim/remove", {"userid": "zhangxm", "external_userid": "wmBACK", "by": "customer"})
    _add(sim, external_userid="wmBACK")
    assert ContactFollow.objects.get().status == ContactFollow.Status.ACTIVE
    assert len(simulator.state.welcomes) == 2


def test_a_transfer_fail_is_kept_on_the_relation_that_stayed(loop, rm, rm01b):
    simulator, sim = loop
    answer = _add(sim)
    simulator.push(
        "transfer_fail",
        {
            "UserID": rm01b.staff.wechat_id,
            "ExternalUserID": answer["external_userid"],
            "FailReason": "customer_limit_exceed",
        },
    )
    follow = ContactFollow.objects.get()
    assert follow.transfer_error == "接替成员客户达到上限" and follow.transfer_failed_at is not None


def test_wecom_failing_the_lookup_is_retried_then_recorded_as_failed_with_the_errcode(loop, rm):
    _, sim = loop
    event = CallbackEvent.objects.create(
        key="event:test-rate-limit",
        event="change_external_contact",
        change_type="add_external_contact",
        fields={"UserID": "zhangxm", "ExternalUserID": "wmLIMITED"},
        xml="<xml/>",
    )
    sim.post("/_sim/add_customer", {"userid": "zhangxm", "external_userid": "wmLIMITED"})
    ContactFollow.objects.all().delete()
    ExternalContact.objects.all().delete()
    sim.post("/_sim/rate_limit", {"count": 100, "path": "/cgi-bin/externalcontact/get"})
    with pytest.raises(Exception, match="45009"):
        callback_event_handle(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (CallbackEvent.Status.RECEIVED, 1)  # the task tries again
    with pytest.raises(Exception, match="45009"):
        callback_event_handle(event_id=event.pk, last_attempt=True)
    event.refresh_from_db()
    assert event.status == CallbackEvent.Status.FAILED and "45009" in event.error
    assert not ContactFollow.objects.exists()


def test_an_add_for_a_member_who_is_nobody_here_stores_nothing(loop, rm):
    simulator, sim = loop
    sim.post("/_sim/add_customer", {"userid": "stranger", "name": "路人"})
    assert CallbackEvent.objects.get().status == CallbackEvent.Status.HANDLED
    assert not ExternalContact.objects.exists() and simulator.state.welcomes == []


@pytest.fixture
def quiet_sim(settings):
    """A simulator whose pushes go nowhere: the test handles the adds itself, in its own thread."""
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    simulator = Simulator(sim_config(callback="http://127.0.0.1:9/wecom/callback/"))
    server = serve_in_thread(simulator)
    settings.WECOM_API_BASE = simulator.config.public_url
    yield Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()


def test_handling_adds_costs_the_same_queries_each_and_reuses_one_connection(quiet_sim, rm, settings):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from rm_portal.wecom import client as wecom_client
    from rm_portal.wecom.contacts import contact_added

    _customer(rm, "C2001", "13800002001")  # the first add's remark mobile
    adds = [
        quiet_sim.post("/_sim/add_customer", {"userid": "zhangxm", "name": f"客户{n}", "mobile": mobile})
        for n, mobile in enumerate(["13800002001", "", ""])
    ]
    simulator_at = urllib.parse.urlsplit(settings.WECOM_API_BASE).netloc
    counts, connections = [], set()
    for answer in adds:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():  # as the handler runs it
            follow = contact_added(
                userid="zhangxm",
                external_userid=answer["external_userid"],
                welcome_code=answer["welcome_code"],
            )
        assert follow is not None and follow.welcome_sent_at is not None
        counts.append(
            sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in queries.captured_queries)
        )
        connections.update(id(c) for key, c in wecom_client._kept.pool.items() if key[2] == simulator_at)
    assert ContactFollow.objects.filter(customer__cust_no="C2001").count() == 1  # the first, by its phone
    # The first add also fetches the token and binds; an unbound add is at most ten statements:
    # the RM, the contact, the follow, the phone match, the welcome's outcome (and the token's cache).
    assert max(counts[1:]) <= 10, counts
    assert len(connections) == 1  # every call of every add on one kept-alive connection
