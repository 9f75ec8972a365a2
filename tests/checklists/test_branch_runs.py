"""Per-branch templates: one run per branch a day that any assignee-role member of the branch completes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate
from rm_portal.notifications.models import Notification
from rm_portal.org.handover import movers
from rm_portal.org.models import Role
from tests.checklists.conftest import DAY, jpeg, photo_upload

FIRES = datetime(2026, 11, 24, 0, 15, 5, tzinfo=UTC)  # 08:15 on the 24th in Shanghai
AFTER_DUE = datetime(2026, 11, 24, 1, 1, tzinfo=UTC)  # 09:01, the 45-minute window is over
ON_DAY = time_machine.travel("2026-11-24 08:20 +0800", tick=False)


def safety_template(**over: object) -> ChecklistTemplate:
    spec = {
        "name": "网点营业前安全检查",
        "time_of_day": time(8, 15),
        "weekdays": [1, 2, 3, 4, 5],
        "due_minutes": 45,
        "roles": [Role.RM],
        "scope": ChecklistTemplate.Scope.BRANCH,
        "items": [{"text": "金库门与监控照片", "requires_photo": True}, {"text": "消防通道畅通"}],
        **over,
    }
    return services.template_save(**spec)


@pytest.fixture
def safety(db, b01, b02):
    return safety_template()


@pytest.fixture
def branch_runs(safety, rm01a, rm01b, rm02a, lead01, lead02):
    services.runs_generate(template=safety, on=DAY)
    return {run.branch.code: run for run in ChecklistRun.objects.select_related("branch")}


def complete_url(item) -> str:
    return f"/api/v1/checklists/items/{item.pk}/complete/"


# --- Generation ----------------------------------------------------------------------------------


def test_one_run_per_branch_answered_for_by_its_lead_and_idempotent(branch_runs, safety, lead01, lead02):
    assert set(branch_runs) == {"B01", "B02"}
    assert branch_runs["B01"].assignee == lead01 and branch_runs["B02"].assignee == lead02
    assert all(run.per_branch and run.items.count() == 2 for run in branch_runs.values())
    assert services.runs_generate(template=safety, on=DAY) == 0
    with time_machine.travel(FIRES, tick=False):
        assert services.checklists_tick().generated == 0
        assert services.day_generate(on=DAY)[0] == 0
    assert ChecklistRun.objects.count() == 2


def test_a_branch_without_a_lead_is_answered_for_by_its_first_member(safety, rm01a, rm01b, rm02a, lead01):
    services.runs_generate(template=safety, on=DAY)
    by_branch = {run.branch.code: run.assignee for run in ChecklistRun.objects.all()}
    assert by_branch == {"B01": lead01, "B02": rm02a}


def test_branch_limits_apply_and_a_branch_with_no_assignee_has_no_run(b01, b02, rm01a, lead02):
    template = safety_template(branches=[b01, b02])
    services.runs_generate(template=template, on=DAY)
    assert [run.branch.code for run in ChecklistRun.objects.all()] == ["B01"]  # B02 has no RM


def test_the_database_refuses_a_second_branch_run_for_the_day(branch_runs, safety, rm01b):
    run = branch_runs["B01"]
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistRun.objects.create(
            template=safety,
            template_version=1,
            name=run.name,
            per_branch=True,
            assignee=rm01b,  # another responsible person does not make it another run
            branch=run.branch,
            date=DAY,
            due_at=run.due_at,
        )


def test_person_and_branch_templates_side_by_side(morning, safety, rm01a, rm01b, rm02a, lead01):
    with time_machine.travel(FIRES, tick=False):
        tick = services.checklists_tick()
    assert tick.generated == 3 + 2  # three RMs for the morning meeting, two branches for safety
    assert ChecklistRun.objects.filter(template=morning, per_branch=False).count() == 3


# --- Today, visibility and completion ------------------------------------------------------------


def test_members_of_the_branch_see_it_today_and_person_runs_keep_their_shape(
    api, morning, branch_runs, rm01a, rm01b, rm02a, django_assert_max_num_queries
):
    services.runs_generate(template=morning, on=DAY)
    with ON_DAY, django_assert_max_num_queries(8):
        mine = api(rm01a).get("/api/v1/checklists/today/").json()
    person, branch = sorted(mine, key=lambda run: run["template"]["name"] != "晨会")
    assert set(person) == {
        "id", "template", "template_version", "date", "status", "due_at", "submitted_at", "late", "items",
    }  # fmt: skip
    assert set(person["items"][0]) == {
        "id", "text", "requires_photo", "requires_note", "done", "photo_url", "photo_taken_at",
        "photo_flagged", "note", "completed_at", "late",
    }  # fmt: skip
    assert branch["id"] == branch_runs["B01"].pk and branch["scope"] == "branch"
    assert branch["branch"] == {"code": "B01", "name": "城东支行"}
    assert branch["items"][0]["completed_by"] is None
    with ON_DAY:
        colleague = api(rm01b).get("/api/v1/checklists/today/").json()
        other = api(rm02a).get("/api/v1/checklists/today/").json()
    assert branch_runs["B01"].pk in [run["id"] for run in colleague]
    assert [run["id"] for run in other if run.get("scope")] == [branch_runs["B02"].pk]


def test_a_colleague_completes_and_who_did_each_item_is_recorded(api, branch_runs, rm01a, rm01b):
    run = branch_runs["B01"]
    photo_item, plain_item = run.items.all()
    with ON_DAY:
        r = api(rm01b).post(
            complete_url(photo_item),
            {"photo": SimpleUploadedFile("v.jpg", jpeg(), "image/jpeg")},
            format="multipart",
        )
        assert r.status_code == 200 and r.json()["status"] == "open"
        r = api(rm01a).post(complete_url(plain_item), {"note": ""})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "submitted" and body["late"] is False
    assert [item["completed_by"]["username"] for item in body["items"]] == ["rm01b", "rm01a"]
    assert api(rm01a).get(body["items"][0]["photo_url"]).status_code == 200


def test_another_branch_gets_404_and_compliance_403(
    api, anon, branch_runs, rm02a, lead02, compliance, hq_admin
):
    run = branch_runs["B01"]
    item = run.items.last()
    for user in (rm02a, lead02):
        assert api(user).post(complete_url(item), {"note": "x"}).status_code == 404
        assert api(user).get(f"/api/v1/checklists/runs/{run.pk}/").status_code == 404
        assert api(user).get(f"/api/v1/checklists/items/{item.pk}/photo/").status_code == 404
    assert api(compliance).post(complete_url(item), {"note": "x"}).status_code == 403
    assert api(hq_admin).post(complete_url(item), {"note": "x"}).status_code == 403
    assert anon.post(complete_url(item), {"note": "x"}).status_code == 401
    assert api(hq_admin).get(f"/api/v1/checklists/runs/{run.pk}/").status_code == 200
    assert not run.items.filter(done=True).exists()


def test_a_member_of_another_role_cannot_complete_a_branch_run(api, b01, b02, rm01a, lead01, rm02a):
    # Assignees are RMs only and B02's run is answered for by its first RM; B01's lead answers
    # for B01's run, so may complete it; nobody outside the roles and the branch may.
    template = safety_template(items=[{"text": "巡检"}])
    services.runs_generate(template=template, on=DAY)
    run = ChecklistRun.objects.get(branch=b01)
    item = run.items.get()
    assert api(rm02a).post(complete_url(item), {"note": ""}).status_code == 404
    assert api(lead01).post(complete_url(item), {"note": ""}).status_code == 200


def test_the_run_page_offers_the_camera_to_colleagues_only(client, branch_runs, rm01b, rm02a, compliance):
    run = branch_runs["B01"]
    client.force_login(rm01b)
    page = client.get(f"/checklists/runs/{run.pk}/").content.decode()
    assert 'capture="environment"' in page and 'data-testid="branch-run"' in page
    assert str(run.pk) in client.get("/checklists/").content.decode()
    client.post(f"/checklists/items/{run.items.last().pk}/complete/", {"note": ""})
    assert run.items.last().completed_by == rm01b
    assert "陈静" in client.get(f"/checklists/runs/{run.pk}/").content.decode()
    client.force_login(rm02a)
    assert client.get(f"/checklists/runs/{run.pk}/").status_code == 404
    assert client.post(f"/checklists/items/{run.items.first().pk}/complete/", {"note": ""}).status_code == 404
    client.force_login(compliance)
    assert client.post(f"/checklists/items/{run.items.first().pk}/complete/", {"note": ""}).status_code == 403


# --- Reminders -----------------------------------------------------------------------------------


def test_the_reminder_goes_once_to_every_member_and_the_late_one_once(safety, rm01a, rm01b, rm02a, lead01):
    with time_machine.travel(FIRES, tick=False):
        assert services.checklists_tick().reminded == 2  # two runs
        assert services.checklists_tick().reminded == 0
        assert services.reminders_send(template=safety, on=DAY) == 0
    reminded = Notification.objects.filter(kind="checklist_reminder")
    assert sorted(reminded.values_list("recipient__username", flat=True)) == ["rm01a", "rm01b", "rm02a"]
    with time_machine.travel(AFTER_DUE, tick=False):
        assert services.checklists_tick().late == 2
        assert services.checklists_tick().late == 0
    late = Notification.objects.filter(kind="checklist_late")
    assert sorted(late.values_list("recipient__username", flat=True)) == ["rm01a", "rm01b", "rm02a"]
    missed = Notification.objects.get(kind="checklist_missed")
    assert missed.recipient == lead01 and "网点营业前安全检查：全网点" in missed.body


# --- Audit, dashboards, handover -----------------------------------------------------------------


def test_the_branch_lead_audits_it_and_a_rejection_goes_back_to_every_member(
    api, branch_runs, rm01a, rm01b, lead01, lead02
):
    run = branch_runs["B01"]
    for item in run.items.all():
        services.item_complete(item=item, by=rm01a, photo=photo_upload() if item.requires_photo else None)
    url = f"/api/v1/checklists/runs/{run.pk}/audit/"
    assert api(lead02).post(url, {"verdict": "rejected", "comment": "x"}).status_code == 404
    assert api(rm01b).post(url, {"verdict": "approved"}).status_code == 403
    r = api(lead01).post(url, {"verdict": "rejected", "comment": "照片看不清金库门"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    told = Notification.objects.filter(kind="checklist_rejected")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["rm01a", "rm01b"]
    with ON_DAY:
        redo = api(rm01b).post(complete_url(run.items.last()), {"note": "已重拍"})
    assert redo.status_code == 200 and redo.json()["status"] == "submitted"
    assert Notification.objects.filter(kind="checklist_resubmitted", recipient=lead01).count() == 1
    r = api(lead01).post(url, {"verdict": "approved"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    listed = api(lead01).get("/api/v1/checklists/runs/").json()["results"]
    assert [row["id"] for row in listed] == [run.pk]


def test_dashboards_count_branch_runs_per_branch_not_per_person(api, morning, branch_runs, hq_admin):
    services.runs_generate(template=morning, on=DAY)
    figures = api(hq_admin).get("/api/v1/checklists/dashboard/?since=2026-11-24&until=2026-11-24").json()
    by_branch = {row["branch"]["code"]: row["total"] for row in figures["by_branch"]}
    assert by_branch == {"B01": 2 + 1, "B02": 1 + 1}  # B01: two RMs' morning runs and the branch run
    assert sum(row["total"] for row in figures["by_rm"]) == 3  # person runs only
    by_template = {row["template"]["name"]: row["total"] for row in figures["by_template"]}
    assert by_template == {"晨会": 3, "网点营业前安全检查": 2}


def test_a_leaving_lead_hands_the_branch_run_to_the_successor(branch_runs, lead01, rm01a):
    with ON_DAY:
        moved = movers()["checklists"](lead01, rm01a)
    assert moved == {"checklist_runs_withdrawn": 0, "checklist_branch_runs_moved": 1}
    assert ChecklistRun.objects.get(pk=branch_runs["B01"].pk).assignee == rm01a


# --- The template choice -------------------------------------------------------------------------

TEMPLATE = {
    "name": "网点安全检查",
    "time": "08:15",
    "weekdays": [1, 2, 3, 4, 5],
    "due_minutes": 45,
    "roles": ["rm", "branch_lead"],
    "items": [{"text": "监控照片", "requires_photo": True}],
}


def test_the_api_takes_the_scope_person_by_default(api, hq_admin):
    r = api(hq_admin).post("/api/v1/checklists/templates/", TEMPLATE, format="json")
    assert r.status_code == 201 and r.json()["scope"] == "person"
    r = api(hq_admin).put(
        f"/api/v1/checklists/templates/{r.json()['id']}/", {**TEMPLATE, "scope": "branch"}, format="json"
    )
    assert r.status_code == 200 and r.json()["scope"] == "branch" and r.json()["version"] == 2
    assert ChecklistTemplate.objects.get().scope == "branch"


@pytest.mark.parametrize("scope", ["team", "", None, 1, ["branch"]], ids=str)
def test_an_unknown_scope_is_400_and_nothing_stored(api, hq_admin, scope):
    r = api(hq_admin).post("/api/v1/checklists/templates/", {**TEMPLATE, "scope": scope}, format="json")
    assert r.status_code == 400 and "scope" in r.json()
    assert not ChecklistTemplate.objects.exists()


def test_the_editor_page_offers_and_keeps_the_choice(client, hq_admin, b01):
    from tests.checklists.test_template_pages import NEW, edit_url, form

    client.force_login(hq_admin)
    page = client.get(NEW).content.decode()
    assert 'name="scope" value="person"' in page and 'name="scope" value="branch"' in page
    assert client.post(NEW, form(scope="branch")).status_code == 302
    template = ChecklistTemplate.objects.get()
    assert template.scope == "branch"
    page = client.get(edit_url(template)).content.decode()
    assert re.search(r'<input[^>]*value="branch"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="person"[^>]*checked', page)
    assert client.post(edit_url(template), form(scope="person")).status_code == 302
    template.refresh_from_db()
    assert template.scope == "person" and template.version == 2
    assert client.post(NEW, form(name="另一个", scope="team")).status_code == 200
    assert ChecklistTemplate.objects.count() == 1


def test_scope_and_every_detail_view_agree_for_branch_members(api, branch_runs, rm01b, rm02a, lead01):
    from rm_portal.checklists import selectors
    from rm_portal.checklists.models import RunItem
    from rm_portal.org.access import actionable, scope

    run = branch_runs["B01"]
    item = run.items.first()
    # The colleague is not the assignee, yet sees and works the branch's run: the policy says so.
    assert list(scope(rm01b, ChecklistRun.objects.all())) == [run]
    assert list(actionable(rm01b, RunItem.objects.all())) == list(run.items.all())
    assert selectors.run_for(rm01b, run.pk) == run and selectors.item_to_complete_for(rm01b, item.pk) == item
    assert list(scope(rm02a, RunItem.objects.filter(run=run))) == []
    assert api(rm01b).get(f"/api/v1/checklists/runs/{run.pk}/").status_code == 200
    detail = api(lead01).get(f"/api/v1/checklists/runs/{run.pk}/").json()
    assert detail["scope"] == "branch" and detail["assignee"]["username"] == "lead01"
