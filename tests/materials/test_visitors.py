"""Unique visitors are keyed on what a visitor cannot rotate per request: the address (IPv6: its
/64), never the User-Agent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from materials.models import ViewEvent
from materials.services.landing import visitor_address
from tests.materials.factories import script
from tests.materials.test_landing import make_share

pytestmark = pytest.mark.django_db


def _stats(api, rm) -> dict:
    return api(rm).get("/api/v1/shares/stats/").json()["results"][0]


def _open(token: str, ip: str, ua: str) -> None:
    assert Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=ua).get(f"/s/{token}").status_code == 200


def test_one_visitor_with_twenty_user_agents_counts_once(api, rm01a, hq_admin):
    token = make_share(api, rm01a, script(hq_admin))
    for n in range(20):
        _open(token, "10.0.0.1", f"Mozilla/5.0 (iPhone; build {n}) MicroMessenger/8.0.{n}")
    # Later in the day, past the 30-minute view window, still more user agents: more views, one visitor.
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        for n in range(20, 40):
            _open(token, "10.0.0.1", f"curl/{n}")
    row = _stats(api, rm01a)
    assert (row["views"], row["unique_visitors"]) == (2, 1)


def test_two_visitors_count_twice(api, rm01a, hq_admin):
    token = make_share(api, rm01a, script(hq_admin))
    _open(token, "10.0.0.1", "Mozilla/5.0 (iPhone)")
    _open(token, "10.0.0.2", "Mozilla/5.0 (iPhone)")
    row = _stats(api, rm01a)
    assert (row["views"], row["unique_visitors"]) == (2, 2)


def test_rotating_addresses_inside_one_ipv6_64_counts_once(api, rm01a, hq_admin):
    token = make_share(api, rm01a, script(hq_admin))
    for n in range(1, 21):
        _open(token, f"2001:db8:1:2::{n:x}", f"ua-{n}")
    _open(token, "2001:db8:1:3::1", "ua")  # another /64: another visitor
    row = _stats(api, rm01a)
    assert (row["views"], row["unique_visitors"]) == (2, 2)
    assert ViewEvent.objects.values("visitor").distinct().count() == 2


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("10.0.0.1", "10.0.0.1"),
        (" 10.0.0.1 ", "10.0.0.1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("", ""),
        ("not-an-ip", "not-an-ip"),
    ],
)
def test_the_visitor_address(ip, key):
    assert visitor_address(ip) == key
