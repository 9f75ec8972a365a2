"""The pages added with WeCom contacts, stats, handover, portrait, matching, triage, detectors and one-form
checklists read in English when a person has chosen English."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rm_portal.checklists import services as checklists
from rm_portal.checklists.models import ChecklistRun
from rm_portal.org.models import Role
from tests.customers.factories import customer, indicators

CHINESE = re.compile(r"[\u4e00-\u9fff]")
HEADING = re.compile(r'<h1 class="topbar__title">(.*?)</h1>', re.S)


@pytest.fixture
def world(db, b01, rm01a, settings):
    settings.WECOM_SIM_URL = "http://127.0.0.1:1"  # the demo page opens; showing it calls nothing
    indicators()
    customer("A1", rm01a, b01, {"aum": 2_000_000, "age": 45}, name="王大明", aum=2_000_000)
    template = checklists.template_save(
        name="Morning meeting",  # a name is data, kept as typed
        time_of_day=time(0, 0),
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        due_minutes=24 * 60 - 1,
        roles=[Role.RM],
        items=[{"text": "晨会照片", "requires_photo": True}, {"text": "晨会纪要", "requires_note": True}],
    )
    checklists.runs_generate(template=template, on=timezone.localdate())


def run_url(user) -> str:
    return f"/checklists/runs/{ChecklistRun.objects.get(assignee=user).pk}/"


PAGES = [
    ("rm01a", lambda u: "/wecom/contacts/", ["WeCom contacts", "To bind", "No WeCom contacts yet"]),
    ("lead01", lambda u: "/wecom/stats/", ["WeCom add statistics", "Verified customers"]),
    ("hq_admin", lambda u: "/wecom/stats/", ["WeCom add statistics", "Start date"]),
    ("lead01", lambda u: "/customers/handover/", ["Start a handover", "Team handovers"]),
    ("rm01a", lambda u: "/customers/A1/", ["Customer portrait", "Add follow-up", "Send poster"]),
    ("hq_admin", lambda u: "/matching/", ["Matching rules", "Signals and weights"]),
    ("rm01a", lambda u: "/opportunities/today/", ["Today's opportunities", "No open opportunities today"]),
    ("compliance", lambda u: "/compliance/detectors/", ["Built-in detectors", "Bank card number"]),
    ("rm01a", run_url, ["This item is done", "Submit"]),
    ("rm01a", lambda u: "/customers/pick/?q=zzz", ["Choose customer", "No customer found"]),
    ("hq_admin", lambda u: "/wecom/demo/", ["Simulate a customer add", "RMs without a personal code"]),
    ("hq_admin", lambda u: "/customers/import/", ["Download template (UTF-8)", "Indicators ("]),
]


@pytest.mark.parametrize(
    ("who", "url", "words"), PAGES, ids=[f"{w}-{i}" for i, (w, _, _) in enumerate(PAGES)]
)
def test_the_page_reads_in_english(client, world, request, who, url, words):
    user = request.getfixturevalue(who)
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    r = client.get(url(user))
    assert r.status_code == 200
    html = r.content.decode()
    heading = HEADING.search(html)
    assert heading, "no main heading"
    assert not CHINESE.search(heading.group(1)), heading.group(1)
    for word in words:
        assert word in html, word


def test_the_pickers_script_says_no_customer_found_in_english(rf):
    """picker.js shows the box's data-empty when a search finds nobody; without it, Chinese."""
    request = rf.get("/materials/1/")
    with translation.override("en"):
        html = render_to_string("customers/_picker.html", {"name": "customer"}, request=request)
    assert 'data-empty="No customer found"' in html
    assert 'placeholder="Name, customer no. or last 4 phone digits"' in html


def test_a_role_refusal_from_the_api_follows_the_chosen_language(api, rm01a, settings):
    client = api(rm01a)
    r = client.post("/api/v1/system/worker-check/")
    assert r.status_code == 403 and r.json()["detail"] == "您的角色无权访问该功能"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post("/api/v1/system/worker-check/")
    assert r.status_code == 403 and r.json()["detail"] == "Your role has no access to this feature."
