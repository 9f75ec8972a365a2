"""The two halves meet over HTTP: the bundled simulator pushes a genuinely signed and encrypted
add event into the product's /wecom/callback/ on a live server, with its own crypto; the product
verifies, decrypts, stores it once and answers `success`. Neither side shares code with the other."""

from __future__ import annotations

import pytest

from rm_portal.wecom.models import CallbackEvent
from tests.wecom_sim.conftest import AES_KEY, CORP_ID, TOKEN, Client, sim_config
from wecom_sim.server import Simulator, serve_in_thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def product_sim(live_server, settings):
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CALLBACK_TOKEN = TOKEN
    settings.WECOM_CALLBACK_AES_KEY = AES_KEY
    simulator = Simulator(sim_config(callback=f"{live_server.url}/wecom/callback/"))
    server = serve_in_thread(simulator)
    yield Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()


def test_an_add_pushed_by_the_simulator_is_verified_stored_once_and_answered(product_sim):
    answer = product_sim.post(
        "/_sim/add_customer",
        {"userid": "rm01a", "state": "rm:rm01a", "name": "王女士", "mobile": "13800000001"},
    )
    assert answer["delivered"]["status"] == 200, answer
    assert answer["delivered"]["body"] == "success"
    events = list(CallbackEvent.objects.all())
    assert len(events) == 1
    assert (events[0].event, events[0].change_type) == ("change_external_contact", "add_external_contact")
    assert events[0].fields["State"] == "rm:rm01a"
    assert events[0].fields["UserID"] == "rm01a"
