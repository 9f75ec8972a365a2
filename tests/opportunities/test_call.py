"""Click-to-call: no page carries a customer's full phone number; the call button goes through a
scoped, logged server step (a short-lived link signed for the person) that redirects to the dialler."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from rm_portal.customers.models import PortraitAccess, TimelineEvent
from rm_portal.opportunities.services.execution import opportunity_complete, tel_url
from rm_portal.opportunities.views import call_token
from rm_portal.web.calls import CALL_TOKEN_MAX_AGE
from tests.opportunities.conftest import signed_in_client

pytestmark = pytest.mark.django_db

FULL = "13812341234"


def _call_link(client: Client, pk: int) -> str:
    html = client.get(f"/opportunities/{pk}/").content.decode()
    found = re.search(r'href="(/opportunities/\d+/call/\?t=[^"]+)"[^>]*data-testid="call"', html)
    assert found, "no call button"
    return found.group(1).replace("&amp;", "&")


def test_no_opportunity_page_carries_the_full_phone(generated, rm01a, lead01):
    pk = generated["C1"].pk
    for user, url in [
        (rm01a, f"/opportunities/{pk}/"),
        (rm01a, "/opportunities/"),
        (lead01, f"/opportunities/{pk}/"),
        (lead01, "/opportunities/"),
        (lead01, "/opportunities/stats/"),
    ]:
        html = signed_in_client(user).get(url).content.decode()
        assert FULL not in html and "tel:" not in html, url
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="contacted")
    for url in ("/opportunities/review/", "/opportunities/?status=done", f"/opportunities/{pk}/"):
        assert FULL not in signed_in_client(lead01).get(url).content.decode(), url
    assert FULL not in signed_in_client(rm01a).get(f"/opportunities/{pk}/").content.decode()


def test_the_assignee_calls_through_a_logged_step_that_redirects_to_tel(generated, rm01a):
    pk = generated["C1"].pk
    client = signed_in_client(rm01a)
    r = client.get(_call_link(client, pk))
    assert r.status_code == 302 and r["Location"] == f"tel:+86{FULL}"
    assert r["Cache-Control"] == "no-store"
    log = PortraitAccess.objects.get()
    assert (log.user, log.customer, log.action) == (rm01a, generated["C1"].customer, "reveal")
    event = TimelineEvent.objects.get(kind="opportunity_call")
    assert event.actor == rm01a and event.customer == generated["C1"].customer
    assert event.ref == f"opportunities.opportunity:{pk}"


def test_the_call_step_is_scoped(generated, rm01a, rm01b, rm02a, lead01, hq_admin):
    opportunity = generated["C1"]
    pk = opportunity.pk
    # Another RM of the branch, one of another branch, and the lead who sees it but does not work
    # it: 404 even with a link signed for them.
    for other in (rm01b, rm02a, lead01):
        link = f"/opportunities/{pk}/call/?t={call_token(other, opportunity)}"
        assert signed_in_client(other).get(link).status_code == 404
    assert signed_in_client(hq_admin).get(f"/opportunities/{pk}/call/").status_code == 403
    anonymous = Client().get(_call_link(signed_in_client(rm01a), pk))
    assert anonymous.status_code == 302 and not anonymous["Location"].startswith("tel:")
    assert not PortraitAccess.objects.exists() and not TimelineEvent.objects.filter(kind="opportunity_call")


def test_a_link_that_is_not_the_persons_own_or_too_old_reveals_nothing(generated, rm01a, rm01b):
    opportunity = generated["C1"]
    pk = opportunity.pk
    client = signed_in_client(rm01a)
    other = generated["C3"]  # rm01b's
    for link in (
        f"/opportunities/{pk}/call/",  # none: a link planted elsewhere cannot reveal in their name
        f"/opportunities/{pk}/call/?t=forged",
        f"/opportunities/{pk}/call/?t={call_token(rm01b, opportunity)}",  # someone else's
        f"/opportunities/{pk}/call/?t={call_token(rm01a, other)}",  # another opportunity's
    ):
        r = client.get(link, follow=True)
        assert r.redirect_chain == [(f"/opportunities/{pk}/", 302)], link
        assert "拨号链接已过期" in r.content.decode()
    link = _call_link(client, pk)
    with time_machine.travel(timezone.now() + timedelta(seconds=CALL_TOKEN_MAX_AGE + 5)):
        assert client.get(link)["Location"] == f"/opportunities/{pk}/"
    assert not PortraitAccess.objects.exists()
    assert client.get(link)["Location"].startswith("tel:")  # within its time


def test_a_completed_opportunity_is_not_called_from_here(generated, rm01a):
    pk = generated["C1"].pk
    client = signed_in_client(rm01a)
    link = _call_link(client, pk)
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="contacted")
    assert 'data-testid="call"' not in client.get(f"/opportunities/{pk}/").content.decode()
    r = client.get(link, follow=True)
    assert r.status_code == 200 and list(r.context["messages"])
    assert not PortraitAccess.objects.exists()


def test_the_lead_calls_the_ownerless_queue_and_a_customer_without_a_number_has_no_button(generated, lead01):
    ownerless = generated["C5"]
    client = signed_in_client(lead01)
    assert 'data-testid="call"' not in client.get(f"/opportunities/{ownerless.pk}/").content.decode()
    r = client.get(f"/opportunities/{ownerless.pk}/call/?t={call_token(lead01, ownerless)}", follow=True)
    assert r.redirect_chain == [(f"/opportunities/{ownerless.pk}/", 302)] and list(r.context["messages"])
    ownerless.customer.phone = "13900001111"
    ownerless.customer.save(update_fields=["phone"])
    r = client.get(_call_link(client, ownerless.pk))
    assert r.status_code == 302 and r["Location"] == "tel:+8613900001111"
    assert PortraitAccess.objects.get().user == lead01


@pytest.mark.parametrize(
    ("stored", "url"),
    [
        ("13812341234", "tel:+8613812341234"),
        ("138 1234-1234", "tel:+8613812341234"),
        ("+8613812341234", "tel:+8613812341234"),
        ("008613812341234", "tel:+8613812341234"),
        ("8613812341234", "tel:+8613812341234"),
    ],
)
def test_tel_urls_are_international(stored, url):
    assert tel_url(stored) == url
