"""The head-office demo page: the bundled simulator, over HTTP, plays a WeChat user scanning an RM's
code and pushes the signed event into the product's callback on a live server."""

from __future__ import annotations

import pytest

from rm_portal.wecom.contact_ways import contact_way_of_rm
from rm_portal.wecom.models import CallbackEvent, ContactWay
from tests.wecom_sim.conftest import AES_KEY, CONTACT_SECRET, CORP_ID, TOKEN, sim_config
from wecom_sim.server import Simulator, serve_in_thread

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/wecom/demo/"


@pytest.fixture
def simulator(live_server, settings):
    sim = Simulator(sim_config(callback=f"{live_server.url}/wecom/callback/"))
    server = serve_in_thread(sim)
    settings.WECOM_API_BASE = settings.WECOM_SIM_URL = sim.config.public_url
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    settings.WECOM_CALLBACK_TOKEN = TOKEN
    settings.WECOM_CALLBACK_AES_KEY = AES_KEY
    yield sim
    server.shutdown()
    server.server_close()


@pytest.fixture
def way(rm01a, simulator):
    rm01a.staff.wechat_id = "zhangxm"
    rm01a.staff.save()
    return contact_way_of_rm(user=rm01a)


def test_head_office_makes_the_simulator_add_a_customer_and_the_event_arrives_signed(
    client, hq_admin, way, simulator
):
    client.force_login(hq_admin)
    assert 'data-testid="demo-link"' in client.get("/wecom/stats/").content.decode()
    page = client.get(URL).content.decode()
    assert way.config_id in page and "张晓明" in page and "个人码" in page
    r = client.post(
        f"{URL}add/", {"config_id": way.config_id, "name": "王女士", "mobile": "13800000001"}, follow=True
    )
    assert r.status_code == 200
    assert "事件已推送到回调" in r.content.decode()
    event = CallbackEvent.objects.get()
    assert (event.event, event.change_type) == ("change_external_contact", "add_external_contact")
    assert (event.fields["UserID"], event.fields["State"]) == ("zhangxm", way.state)
    contact = simulator.state.contacts[event.fields["ExternalUserID"]]
    assert contact["follow_user"][0]["remark_mobiles"] == ["13800000001"]
    assert contact["external_contact"]["name"] == "王女士"


def test_a_bad_mobile_is_refused_and_nothing_is_added(client, hq_admin, way, simulator):
    client.force_login(hq_admin)
    r = client.post(f"{URL}add/", {"config_id": way.config_id, "name": "王女士", "mobile": "12345"})
    assert r.status_code == 400
    assert "请输入 11 位手机号" in r.content.decode()
    assert simulator.state.contacts == {} and not CallbackEvent.objects.exists()


def test_an_unknown_code_is_a_404(client, hq_admin, simulator):
    client.force_login(hq_admin)
    assert client.post(f"{URL}add/", {"config_id": "nope", "name": "王女士"}).status_code == 404


def test_the_simulator_down_is_said_in_plain_words(client, hq_admin, way, simulator, settings):
    settings.WECOM_SIM_URL = "http://127.0.0.1:1"
    client.force_login(hq_admin)
    r = client.post(f"{URL}add/", {"config_id": way.config_id, "name": "王女士"})
    assert r.status_code == 503
    assert "模拟器没有响应" in r.content.decode()
    assert not CallbackEvent.objects.exists()


def test_head_office_makes_an_rms_personal_code_for_the_demo(client, hq_admin, rm01b, simulator):
    rm01b.staff.wechat_id = "chenj"
    rm01b.staff.save()
    client.force_login(hq_admin)
    assert "陈静" in client.get(URL).content.decode()
    r = client.post(f"{URL}code/", {"staff": rm01b.staff.pk})
    assert r.status_code == 302
    way = ContactWay.objects.get(owner=rm01b, material=None)
    assert simulator.state.contact_ways[way.config_id]["user"] == ["chenj"]
    assert client.post(f"{URL}code/", {"staff": "x"}).status_code == 404


def test_only_head_office_and_only_in_the_demo(
    client, rm01a, lead01, compliance, hq_admin, simulator, settings
):
    for user in (rm01a, lead01, compliance):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(f"{URL}add/", {"config_id": "x", "name": "y"}).status_code == 403
    settings.WECOM_SIM_URL = ""
    client.force_login(hq_admin)
    assert client.get(URL).status_code == 404
    assert client.post(f"{URL}add/", {"config_id": "x", "name": "y"}).status_code == 404
