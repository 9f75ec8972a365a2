"""Handover without fear: a preview of what will move, a confirmation that must match it, a
record of each handover with its result in plain words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from materials.models import ShareToken
from materials.services.shares import share_create
from rm_portal.customers.models import Customer, Handover
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.models import Staff
from tests.customers.factories import customer, indicators
from tests.materials.factories import script
from tests.opportunities.factories import rule

PREVIEW = "/api/v1/staff/{}/handover/preview/"
CONFIRM = "/api/v1/staff/{}/handover/"


@pytest.fixture
def book(b01, b02, rm01a, rm01b, rm02a):
    indicators()
    for n in range(7):
        customer(f"A{n}", rm01a, b01, name=f"客户{n}")
    customer("B0", rm01b, b01)
    customer("X0", rm02a, b02)
    for n in range(3):
        Opportunity.objects.create(
            rule=rule(code=f"r{n}", name=f"规则{n}"),
            customer=Customer.objects.get(cust_no=f"A{n}"),
            assignee=rm01a,
            branch=b01,
            due_at=timezone.now() + timedelta(days=n + 1),
        )


def counts(body: dict, part: str = "kinds") -> dict[str, int]:
    return {kind["key"]: kind["count"] for kind in body[part]}


def confirm(client, username: str, to: str, token: str, **extra):
    body = {"to": to, "token": token, "confirm": True, **extra}
    return client.post(CONFIRM.format(username), body, format="json")


def test_the_preview_says_what_will_move_and_the_result_is_exactly_that(api, book, lead01, rm01a, rm01b):
    lead = api(lead01)
    shown = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"})
    assert shown.status_code == 200, shown.content
    preview = shown.json()
    assert preview["leaver"] == {"username": "rm01a", "display_name": "张晓明"}
    assert preview["successor"]["username"] == "rm01b"
    by_key = {kind["key"]: kind for kind in preview["kinds"]}
    assert by_key["customers"]["label"] == "客户"
    assert by_key["customers"]["count"] == 7
    assert by_key["customers"]["sample"] == ["客户0", "客户1", "客户2", "客户3", "客户4"]
    assert by_key["opportunities"]["label"] == "未完成商机"
    assert by_key["opportunities"]["sample"][0] == "客户0 · 规则0"  # soonest due first
    assert {
        "conversations",
        "share_links",
        "poster_links",
        "checklist_runs_withdrawn",
        "wecom_contacts",
    } <= set(by_key)
    assert all(kind["label"] != kind["key"] for kind in preview["kinds"])  # every key in words
    # Nothing moved by looking.
    assert Customer.objects.filter(owner=rm01a).count() == 7

    done = confirm(lead, "rm01a", "rm01b", preview["token"])
    assert done.status_code == 201, done.content
    result = done.json()
    assert counts(result, "moved") == counts(preview)
    assert [kind["key"] for kind in result["moved"]] == [kind["key"] for kind in preview["kinds"]]
    assert {kind["key"]: kind["label"] for kind in result["moved"]}["opportunities"] == "未完成商机"
    assert result["deactivated"] == "rm01a"
    assert result["by"]["username"] == "lead01"
    assert Customer.objects.filter(owner=rm01b).count() == 8
    assert Opportunity.objects.filter(assignee=rm01b).count() == 3
    record = Handover.objects.get()
    assert (record.leaver, record.successor, record.by) == (rm01a, rm01b, lead01)
    assert record.moved["customers"] == 7
    # The record on the lead's list and by itself.
    listed = lead.get("/api/v1/handovers/").json()
    assert [row["id"] for row in listed["results"]] == [record.pk]
    assert lead.get(f"/api/v1/handovers/{record.pk}/").json()["moved"] == result["moved"]


def test_a_replayed_confirmation_is_a_409_and_nothing_moves_twice(api, book, lead01, rm01a, rm01b):
    lead = api(lead01)
    token = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()["token"]
    assert confirm(lead, "rm01a", "rm01b", token).status_code == 201
    again = confirm(lead, "rm01a", "rm01b", token)
    assert again.status_code == 409
    assert "已经确认过" in again.json()["detail"]
    assert Handover.objects.count() == 1
    assert Customer.objects.filter(owner=rm01b).count() == 8


def test_an_in_job_replay_is_a_409_too_and_the_leaver_keeps_the_login(api, book, lead01, rm01a, rm01b):
    lead = api(lead01)
    token = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b", "mode": "in_job"}).json()["token"]
    done = confirm(lead, "rm01a", "rm01b", token, mode="in_job")
    assert done.status_code == 201
    assert done.json()["deactivated"] == "" and done.json()["mode"] == "in_job"
    assert User.objects.get(pk=rm01a.pk).is_active and Staff.objects.get(user=rm01a).active
    assert confirm(lead, "rm01a", "rm01b", token, mode="in_job").status_code == 409
    assert Handover.objects.count() == 1


def test_a_book_that_changed_after_the_preview_is_a_409_asking_to_look_again(
    api, book, lead01, rm01a, rm01b, b01
):
    lead = api(lead01)
    token = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()["token"]
    # One customer leaves the book and another arrives: the same count, not the same book.
    Customer.objects.filter(cust_no="A6").update(owner=rm01b)
    Customer.objects.filter(cust_no="B0").update(owner=rm01a)
    stale = confirm(lead, "rm01a", "rm01b", token)
    assert stale.status_code == 409
    assert "重新预览" in stale.json()["detail"]
    assert Customer.objects.filter(owner=rm01a).count() == 7
    assert not Handover.objects.exists()
    # A token for another successor or another mode is not this confirmation either.
    assert confirm(lead, "rm01a", "rm01b", token, mode="in_job").status_code == 409
    fresh = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()["token"]
    assert confirm(lead, "rm01a", "rm01b", fresh).status_code == 201


def test_a_new_share_link_after_the_preview_changes_the_book(api, book, lead01, rm01a, rm01b, hq_admin):
    lead = api(lead01)
    token = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()["token"]
    share_create(rm=rm01a, material=script(hq_admin))
    assert confirm(lead, "rm01a", "rm01b", token).status_code == 409
    shown = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()
    assert counts(shown)["share_links"] == 1
    done = confirm(lead, "rm01a", "rm01b", shown["token"])
    assert counts(done.json(), "moved")["share_links"] == 1
    assert ShareToken.objects.get().rm == rm01b


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        (lambda rm: Staff.objects.filter(user=rm).update(active=False), 400, "to"),
        (lambda rm: User.objects.filter(pk=rm.pk).update(is_active=False), 400, "to"),
    ],
)
def test_a_successor_deactivated_after_the_preview_is_refused(
    api, book, lead01, rm01a, rm01b, change, status, field
):
    lead = api(lead01)
    token = lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()["token"]
    change(rm01b)
    r = confirm(lead, "rm01a", "rm01b", token)
    assert r.status_code == status and r.json() == {field: ["继任者已停用"]}
    assert Customer.objects.filter(owner=rm01a).count() == 7 and not Handover.objects.exists()
    assert lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"to": "rm01b", "token": "x" * 64, "confirm": False},  # not confirmed
        {"to": "rm01b", "token": "x" * 64},  # confirmation missing
        {"to": "rm01b", "confirm": True},  # no token
        {"to": "rm01b", "token": "x" * 65, "confirm": True},  # oversized
        {"to": "rm01b", "token": "x" * 64, "confirm": True, "mode": "sideways"},
        {"to": "rm01b", "token": "x" * 64, "confirm": True, "extra": 1},
        ["rm01b"],
    ],
)
def test_malformed_confirmations_are_a_400_and_store_nothing(api, book, lead01, rm01a, body):
    r = api(lead01).post(CONFIRM.format("rm01a"), body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()
    assert Customer.objects.filter(owner=rm01a).count() == 7 and not Handover.objects.exists()


def test_a_made_up_token_is_a_409(api, book, lead01, rm01a):
    assert confirm(api(lead01), "rm01a", "rm01b", "f" * 64).status_code == 409
    assert not Handover.objects.exists()


def test_roles_and_scope(api, anon, book, rm01a, rm01b, lead01, lead02, compliance, hq_admin):
    assert api(rm01b).get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 403
    assert api(compliance).get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 403
    assert anon.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 401
    assert api(lead02).get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 404
    assert api(lead01).get(PREVIEW.format("rm01a")).status_code == 400  # no successor named
    assert api(lead01).get(PREVIEW.format("rm01a"), {"to": "r" * 151}).status_code == 400
    assert api(lead01).get(PREVIEW.format("rm01a"), {"to": "rm02a"}).status_code == 400  # other branch
    assert api(rm01b).get("/api/v1/handovers/").status_code == 403
    token = api(lead01).get(PREVIEW.format("rm01a"), {"to": "rm01b"}).json()["token"]
    assert confirm(api(rm01b), "rm01a", "rm01b", token).status_code == 403
    assert confirm(api(lead02), "rm01a", "rm01b", token).status_code == 404
    pk = confirm(api(lead01), "rm01a", "rm01b", token).json()["id"]
    # The other branch's lead does not see the record; head office does.
    assert api(lead02).get(f"/api/v1/handovers/{pk}/").status_code == 404
    assert api(lead02).get("/api/v1/handovers/").json()["results"] == []
    assert api(hq_admin).get(f"/api/v1/handovers/{pk}/").status_code == 200


def test_the_preview_costs_the_same_queries_for_a_bigger_book(api, book, lead01, rm01a, b01):
    lead = api(lead01)
    with CaptureQueriesContext(connection) as small:
        assert lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 200
    for n in range(30):
        customer(f"M{n}", rm01a, b01)
    with CaptureQueriesContext(connection) as big:
        assert lead.get(PREVIEW.format("rm01a"), {"to": "rm01b"}).status_code == 200
    assert len(big) == len(small)


def test_the_lead_previews_confirms_and_finds_the_record_on_the_page(client, book, lead01, rm01a, rm01b):
    client.force_login(lead01)
    page = client.get("/customers/handover/preview/", {"leaver": "rm01a", "to": "rm01b"})
    html = page.content.decode()
    assert "客户0、客户1" in html and "等 7 项" in html
    assert "未完成商机" in html and "撤回的未开始打卡" in html
    token = page.context["preview"].token
    body = {"leaver": "rm01a", "to": "rm01b", "mode": "resigned", "token": token}
    # Not ticked, or the successor not named again: nothing moves, the preview shows why.
    r = client.post("/customers/handover/confirm/", {**body, "confirm_name": "陈静"})
    assert "请勾选确认" in r.content.decode()
    r = client.post("/customers/handover/confirm/", {**body, "confirm": "on", "confirm_name": "张晓明"})
    assert "与所选接替人不一致" in r.content.decode()
    assert not Handover.objects.exists()
    r = client.post(
        "/customers/handover/confirm/", {**body, "confirm": "on", "confirm_name": "陈静"}, follow=True
    )
    html = r.content.decode()
    assert "交接已完成" in html and "张晓明 → 陈静" in html and "未完成商机" in html
    assert Customer.objects.filter(owner=rm01b).count() == 8
    # The replay on the page: a clear message, nothing more.
    r = client.post(
        "/customers/handover/confirm/", {**body, "confirm": "on", "confirm_name": "陈静"}, follow=True
    )
    assert "已经确认过" in r.content.decode()
    assert Handover.objects.count() == 1
    listing = client.get("/customers/handover/").content.decode()
    assert 'data-testid="handover-record"' in listing and "张晓明 → 陈静" in listing


def test_a_stale_confirmation_on_the_page_shows_the_new_preview(client, book, lead01, rm01a, rm01b, b01):
    client.force_login(lead01)
    token = (
        client.get("/customers/handover/preview/", {"leaver": "rm01a", "to": "rm01b"})
        .context["preview"]
        .token
    )
    customer("N1", rm01a, b01)
    body = {"leaver": "rm01a", "to": "rm01b", "mode": "resigned", "token": token, "confirm": "on"}
    r = client.post("/customers/handover/confirm/", {**body, "confirm_name": "rm01b"}, follow=True)
    assert "重新预览" in r.content.decode()
    assert r.context["preview"].token != token
    assert 'data-testid="count-customers">8<' in r.content.decode()
    assert not Handover.objects.exists()


def test_the_list_of_records_costs_the_same_queries_for_more_records(api, b01, lead01, rm01a, rm01b):
    from tests.conftest import _staff

    def one_more(n: int) -> None:
        leaver = _staff(f"rm9{n}", "rm", b01, f"离职{n}").user
        customer(f"L{n}", leaver, b01)
        token = api(lead01).get(PREVIEW.format(leaver.username), {"to": "rm01b"}).json()["token"]
        assert confirm(api(lead01), leaver.username, "rm01b", token).status_code == 201

    indicators()
    lead = api(lead01)
    one_more(0)
    with CaptureQueriesContext(connection) as few:
        assert len(lead.get("/api/v1/handovers/").json()["results"]) == 1
    for n in range(1, 5):
        one_more(n)
    with CaptureQueriesContext(connection) as more:
        assert len(lead.get("/api/v1/handovers/").json()["results"]) == 5
    assert len(more) == len(few)


def test_the_handover_pages_speak_english_when_chosen(client, book, lead01, rm01a, rm01b):
    client.force_login(lead01)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/customers/handover/preview/", {"leaver": "rm01a", "to": "rm01b"}).content.decode()
    assert "Open opportunities" in page and "Tick" not in page and "I have checked the above" in page
    assert "Team handovers" in client.get("/customers/handover/").content.decode()


def test_the_same_book_handed_back_and_forth_is_not_taken_for_a_replay(api, book, lead01, rm01a, rm01b):
    lead = api(lead01)
    for leaver, successor in (("rm01a", "rm01b"), ("rm01b", "rm01a"), ("rm01a", "rm01b")):
        token = lead.get(PREVIEW.format(leaver), {"to": successor, "mode": "in_job"}).json()["token"]
        assert confirm(lead, leaver, successor, token, mode="in_job").status_code == 201
    assert Handover.objects.count() == 3
    assert Customer.objects.filter(owner=rm01b).count() == 8
