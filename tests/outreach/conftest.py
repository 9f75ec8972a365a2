"""Outreach against the bundled WeCom simulator over HTTP: contacts exist on both sides."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from rm_portal.customers.models import Customer, CustomerTag, Segment, TagDefinition
from rm_portal.org.models import Staff
from rm_portal.wecom.client import WeComClient
from rm_portal.wecom.models import ContactFollow, ExternalContact
from tests.wecom_sim.conftest import CONTACT_SECRET, CORP_ID, Client, Receiver, sim_config
from wecom_sim.server import Simulator, serve_in_thread

_serial = itertools.count(1)


@pytest.fixture
def sim(settings):
    receiver = Receiver()
    simulator = Simulator(sim_config(callback=receiver.url))
    server = serve_in_thread(simulator)
    settings.WECOM_API_BASE = simulator.config.public_url
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    yield Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def vip(db) -> TagDefinition:
    return TagDefinition.objects.create(code="vip", name="贵宾", rule="aum > 1")


@pytest.fixture
def vip_segment(vip) -> Segment:
    segment = Segment.objects.create(code="vips", name="贵宾客群")
    segment.tags.add(vip)
    return segment


def quick() -> WeComClient:
    """The real client without pauses between its own retries."""
    return WeComClient(corp_id=CORP_ID, secret=CONTACT_SECRET, sleep=lambda seconds: None)


def customer(
    rm, *, consents: dict | None = None, rating: str = "C3", tag: TagDefinition | None = None
) -> Customer:
    n = next(_serial)
    staff = Staff.objects.get(user=rm)
    found = Customer.objects.create(
        cust_no=f"OUT{n:06d}",
        name=f"客户{n}",
        branch=staff.branch,
        owner=rm,
        risk_rating=rating,
        consents={"wealth": True} if consents is None else consents,
    )
    if tag is not None:
        CustomerTag.objects.create(customer=found, tag=tag, since=timezone.now())
    return found


def contact(rm, cust: Customer | None, sim: Client | None, **fields) -> ContactFollow:
    """A WeCom relation on both sides (the simulator's, ours) bound to the customer."""
    n = next(_serial)
    external_userid = f"wmOUT{n:06d}"
    userid = Staff.objects.get(user=rm).wechat_id or rm.username
    if sim is not None:
        sim.post("/_sim/add_customer", {"userid": userid, "external_userid": external_userid})
    person = ExternalContact.objects.create(external_userid=external_userid, name=f"微信{n}")
    return ContactFollow.objects.create(
        contact=person, rm=rm, customer=cust, added_at=timezone.now() - timedelta(days=30), **fields
    )


def reachable(rm, sim, *, tag=None, **kw) -> Customer:
    found = customer(rm, tag=tag, **kw)
    contact(rm, found, sim)
    return found
