"""The checklist API: who may do what, shapes, and bad input."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunAudit
from rm_portal.notifications.models import Notification
from tests.checklists.conftest import DAY, complete_all, jpeg

TEMPLATE = {
    "name": "晚间复盘",
    "time": "17:30",
    "weekdays": [1, 2, 3, 4, 5],
    "due_minutes": 90,
    "roles": ["rm"],
    "branches": [],
    "items": [{"text": "今日复盘", "requires_photo": False, "requires_note": True}],
}
ON_DAY = time_machine.travel("2026-11-24 09:00 +0800", tick=False)


# --- Templates ---------------------------------------------------------------------------------


def test_head_office_creates_and_edits_a_template_and_everyone_reads_it(
    api, hq_admin, rm01a, b01, django_assert_max_num_queries
):
    r = api(hq_admin).post("/api/v1/checklists/templates/", {**TEMPLATE, "branches": ["B01"]}, format="json")
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["time"] == "17:30" and created["branches"] == ["B01"] and created["version"] == 1
    r = api(hq_admin).put(
        f"/api/v1/checklists/templates/{created['id']}/", {**TEMPLATE, "time": "18:00"}, format="json"
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["time"] == "18:00"
    client = api(rm01a)
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/checklists/templates/").json()
    assert [t["name"] for t in listed] == ["晚间复盘"]


@pytest.mark.parametrize(
    "change",
    [
        {"time": "25:00"},
        {"time": "7:30"},
        {"weekdays": [8]},
        {"weekdays": [0]},
        {"weekdays": []},
        {"due_minutes": 0},
        {"roles": ["gateway"]},
        {"branches": ["NOPE"]},
        {"items": []},
        {"items": [{"text": "x", "colour": "red"}]},
        {"surprise": 1},
    ],
    ids=str,
)
def test_an_invalid_template_answers_400_and_stores_nothing(api, hq_admin, change):
    r = api(hq_admin).post("/api/v1/checklists/templates/", {**TEMPLATE, **change}, format="json")
    assert r.status_code == 400, r.content
    assert not ChecklistTemplate.objects.exists()


def test_only_head_office_writes_templates_and_strangers_get_401(api, anon, rm01a, lead01):
    assert api(rm01a).post("/api/v1/checklists/templates/", TEMPLATE, format="json").status_code == 403
    assert api(lead01).post("/api/v1/checklists/templates/", TEMPLATE, format="json").status_code == 403
    assert anon.get("/api/v1/checklists/templates/").status_code == 401
    assert anon.get("/api/v1/checklists/today/").status_code == 401


# --- Today and completion ----------------------------------------------------------------------


def test_today_lists_my_runs_in_the_design_shape(api, runs, rm01a, django_assert_max_num_queries):
    client = api(rm01a)
    with ON_DAY, django_assert_max_num_queries(6):
        body = client.get("/api/v1/checklists/today/").json()
    assert len(body) == 1
    run = body[0]
    assert run["template"]["name"] == "晨会" and run["date"] == DAY.isoformat() and run["status"] == "open"
    assert run["due_at"].startswith("2026-11-24T08:00:00+08:00")
    assert [i["text"] for i in run["items"]] == ["晨会照片", "晨会纪要"]
    assert set(run["items"][0]) >= {"id", "text", "requires_photo", "done", "photo_url", "note"}


def test_the_assignee_completes_the_run_with_a_photo_and_a_note(api, runs, rm01a):
    run = runs["rm01a"]
    photo_item, note_item = run.items.all()
    client = api(rm01a)
    with time_machine.travel("2026-11-24 07:40 +0800", tick=False):
        r = client.post(
            f"/api/v1/checklists/items/{photo_item.pk}/complete/",
            {"photo": SimpleUploadedFile("m.jpg", jpeg(), "image/jpeg")},
            format="multipart",
        )
        assert r.status_code == 200 and r.json()["status"] == "open"
        r = client.post(f"/api/v1/checklists/items/{note_item.pk}/complete/", {"note": "今日目标 300 万"})
    assert r.status_code == 200
    assert r.json()["status"] == "submitted" and r.json()["late"] is False
    assert client.get(r.json()["items"][0]["photo_url"]).status_code == 200


def test_someone_elses_item_is_404_even_for_their_branch_lead(api, runs, rm01b, rm02a, lead01):
    item = runs["rm01a"].items.first()
    url = f"/api/v1/checklists/items/{item.pk}/complete/"
    for user in (rm01b, rm02a, lead01):
        assert api(user).post(url, {"note": "x"}).status_code == 404
    assert api(rm01b).post("/api/v1/checklists/items/999999/complete/", {"note": "x"}).status_code == 404


def test_requires_photo_without_a_photo_and_requires_note_without_a_note_are_400(api, runs, rm01a):
    photo_item, note_item = runs["rm01a"].items.all()
    client = api(rm01a)
    r = client.post(f"/api/v1/checklists/items/{photo_item.pk}/complete/", {"note": "忘了拍"})
    assert r.status_code == 400 and "photo" in r.json()
    r = client.post(f"/api/v1/checklists/items/{note_item.pk}/complete/", {"note": "  "})
    assert r.status_code == 400 and "note" in r.json()
    r = client.post(f"/api/v1/checklists/items/{note_item.pk}/complete/", {"note": "x", "extra": 1})
    assert r.status_code == 400 and "extra" in r.json()
    r = client.post(f"/api/v1/checklists/items/{note_item.pk}/complete/", {"note": "x" * 2001})
    assert r.status_code == 400
    assert not runs["rm01a"].items.filter(done=True).exists()


def test_completing_after_approval_is_409_and_a_missed_run_is_closed(api, runs, rm01a, lead01, rm02a):
    run = runs["rm01a"]
    complete_all(run)
    services.run_audit(run=run, by=lead01, verdict="approved")
    r = api(rm01a).post(f"/api/v1/checklists/items/{run.items.last().pk}/complete/", {"note": "改一下"})
    assert r.status_code == 409
    services.runs_mark_missed(today=DAY + timedelta(days=1))
    item = runs["rm02a"].items.last()
    assert api(rm02a).post(f"/api/v1/checklists/items/{item.pk}/complete/", {"note": "补"}).status_code == 409


# --- Runs list and audit -----------------------------------------------------------------------


def test_runs_list_is_scoped_to_the_leads_branch_and_all_for_head_office(
    api, runs, lead01, hq_admin, rm01a, django_assert_max_num_queries
):
    complete_all(runs["rm01a"])
    client = api(lead01)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/checklists/runs/?date={DAY}").json()
    assert body["count"] == 2
    assert {r["assignee"]["username"] for r in body["results"]} == {"rm01a", "rm01b"}
    mine = next(r for r in body["results"] if r["assignee"]["username"] == "rm01a")
    assert mine["completion"] == 1.0 and mine["branch"] == {"code": "B01", "name": "城东支行"}
    assert client.get("/api/v1/checklists/runs/?branch=B02").json()["count"] == 0
    assert client.get("/api/v1/checklists/runs/?status=submitted").json()["count"] == 1
    assert api(hq_admin).get("/api/v1/checklists/runs/").json()["count"] == 3
    assert api(hq_admin).get("/api/v1/checklists/runs/?branch=B02").json()["count"] == 1


def test_runs_list_is_closed_to_rms_and_rejects_bad_filters(api, anon, runs, rm01a, lead01, compliance):
    assert api(rm01a).get("/api/v1/checklists/runs/").status_code == 403
    assert api(compliance).get("/api/v1/checklists/runs/").status_code == 403
    assert anon.get("/api/v1/checklists/runs/").status_code == 401
    assert api(lead01).get("/api/v1/checklists/runs/?date=2026-02-30").status_code == 400
    assert api(lead01).get("/api/v1/checklists/runs/?status=lost").status_code == 400


def test_audit_reject_sends_the_run_back_and_a_redo_resubmits_it(api, runs, lead01, rm01a):
    run = runs["rm01a"]
    complete_all(run)
    client = api(lead01)
    r = client.post(f"/api/v1/checklists/runs/{run.pk}/audit/", {"verdict": "rejected"}, format="json")
    assert r.status_code == 400 and "comment" in r.json()
    r = client.post(
        f"/api/v1/checklists/runs/{run.pk}/audit/",
        {"verdict": "rejected", "comment": "照片模糊"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    told = Notification.objects.get(recipient=rm01a, kind="checklist_rejected")
    assert told.body == "照片模糊" and told.link == f"/checklists/runs/{run.pk}/"
    assert client.post(f"/api/v1/checklists/runs/{run.pk}/audit/", {"verdict": "approved"}).status_code == 409
    photo_item = run.items.get(requires_photo=True)
    r = api(rm01a).post(
        f"/api/v1/checklists/items/{photo_item.pk}/complete/",
        {"photo": SimpleUploadedFile("again.jpg", jpeg(), "image/jpeg")},
        format="multipart",
    )
    assert r.json()["status"] == "submitted"
    assert Notification.objects.filter(recipient=lead01, kind="checklist_resubmitted").exists()
    r = client.post(
        f"/api/v1/checklists/runs/{run.pk}/audit/", {"verdict": "approved", "comment": "好"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    detail = api(rm01a).get(f"/api/v1/checklists/runs/{run.pk}/").json()
    assert [a["verdict"] for a in detail["audits"]] == ["rejected", "approved"]
    assert RunAudit.objects.filter(run=run).count() == 2


def test_audit_is_for_the_lead_of_that_branch_only(api, anon, runs, lead02, rm01a, hq_admin):
    run = runs["rm01a"]
    complete_all(run)
    url = f"/api/v1/checklists/runs/{run.pk}/audit/"
    assert api(lead02).post(url, {"verdict": "approved"}).status_code == 404
    assert api(rm01a).post(url, {"verdict": "approved"}).status_code == 403
    assert api(hq_admin).post(url, {"verdict": "approved"}).status_code == 403
    assert anon.post(url, {"verdict": "approved"}).status_code == 401


def test_audit_rejects_bad_input(api, runs, lead01):
    run = runs["rm01a"]
    complete_all(run)
    url = f"/api/v1/checklists/runs/{run.pk}/audit/"
    client = api(lead01)
    assert client.post(url, {"verdict": "maybe"}, format="json").status_code == 400
    assert client.post(url, {"verdict": "approved", "by": "me"}, format="json").status_code == 400
    assert client.post(url, ["approved"], format="json").status_code == 400
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert ChecklistRun.objects.get(pk=run.pk).status == "submitted"


def test_photos_are_served_only_to_people_who_may_see_the_run(
    api, anon, runs, rm01a, rm01b, lead01, lead02, hq_admin
):
    complete_all(runs["rm01a"])
    url = f"/api/v1/checklists/items/{runs['rm01a'].items.get(requires_photo=True).pk}/photo/"
    for user in (rm01a, lead01, hq_admin):
        r = api(user).get(url)
        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
        assert b"".join(r.streaming_content)[:2] == b"\xff\xd8"
    for user in (rm01b, lead02):
        assert api(user).get(url).status_code == 404
    assert anon.get(url).status_code == 401


def test_run_detail_is_404_for_another_branches_rm(api, runs, rm02a, rm01a):
    assert api(rm02a).get(f"/api/v1/checklists/runs/{runs['rm01a'].pk}/").status_code == 404
    assert api(rm01a).get(f"/api/v1/checklists/runs/{runs['rm01a'].pk}/").status_code == 200


# --- Dashboard and export ----------------------------------------------------------------------


def test_dashboard_figures_per_branch_rm_day_and_template(api, runs, lead01, hq_admin, rm01a):
    on_time = time_machine.travel("2026-11-24 07:45 +0800", tick=False)
    with on_time:
        complete_all(runs["rm01a"])
    services.runs_mark_missed(today=DAY + timedelta(days=1))
    body = api(hq_admin).get(f"/api/v1/checklists/dashboard/?since={DAY}&until={DAY}").json()
    assert body["overall"] == {
        "total": 3, "completed": 1, "on_time": 1, "missed": 2, "rejected": 0,
        "completion_rate": 0.3333, "on_time_rate": 0.3333,
    }  # fmt: skip
    b01 = next(row for row in body["by_branch"] if row["branch"]["code"] == "B01")
    assert (b01["total"], b01["completion_rate"]) == (2, 0.5)
    assert {row["rm"]["username"]: row["completed"] for row in body["by_rm"]} == {
        "rm01a": 1,
        "rm01b": 0,
        "rm02a": 0,
    }
    assert body["by_day"] == [{"date": DAY.isoformat(), **body["overall"]}]
    assert body["by_template"][0]["template"]["name"] == "晨会"
    lead_view = api(lead01).get(f"/api/v1/checklists/dashboard/?since={DAY}&until={DAY}").json()
    assert lead_view["overall"]["total"] == 2


def test_dashboard_walls_and_bad_ranges(api, anon, rm01a, lead01):
    assert api(rm01a).get("/api/v1/checklists/dashboard/").status_code == 403
    assert anon.get("/api/v1/checklists/dashboard/").status_code == 401
    assert (
        api(lead01).get("/api/v1/checklists/dashboard/?since=2026-12-01&until=2026-11-01").status_code == 400
    )
    assert (
        api(lead01).get("/api/v1/checklists/dashboard/?since=2020-01-01&until=2026-11-01").status_code == 400
    )
    assert api(lead01).get("/api/v1/checklists/dashboard/?since=yesterday").status_code == 400


def test_head_office_exports_csv_with_a_bom(api, runs, hq_admin, lead01, django_assert_max_num_queries):
    complete_all(runs["rm01a"])
    client = api(hq_admin)
    with django_assert_max_num_queries(6):
        r = client.get(f"/api/v1/checklists/export/?since={DAY}&until={DAY}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日期", "网点代码", "网点"] and len(rows) == 4
    assert {row[3] for row in rows[1:]} == {"rm01a", "rm01b", "rm02a"}
    assert api(lead01).get("/api/v1/checklists/export/").status_code == 403


# --- Reading templates and holidays; parameters that name themselves -----------------------------


def test_a_template_reads_by_id_and_a_missing_one_is_404(api, rm01a, hq_admin, morning):
    r = api(rm01a).get(f"/api/v1/checklists/templates/{morning.pk}/")
    assert r.status_code == 200
    assert r.json()["name"] == "晨会" and r.json()["time"] == "07:30" and len(r.json()["items"]) == 2
    assert api(rm01a).get("/api/v1/checklists/templates/999999/").status_code == 404
    r = api(hq_admin).put("/api/v1/checklists/templates/999999/", TEMPLATE, format="json")
    assert r.status_code == 404


def test_a_bad_edit_answers_400_and_leaves_the_version(api, hq_admin, morning):
    r = api(hq_admin).put(
        f"/api/v1/checklists/templates/{morning.pk}/", {**TEMPLATE, "due_minutes": 1441}, format="json"
    )
    assert r.status_code == 400 and "due_minutes" in r.json()
    morning.refresh_from_db()
    assert morning.version == 1 and [i.text for i in morning.items.all()] == ["晨会照片", "晨会纪要"]


def test_the_holiday_calendar_reads_for_everyone_and_bad_uploads_say_why(api, hq_admin, rm01a):
    from rm_portal.checklists.models import Holiday

    def upload(data: bytes) -> dict:
        return {"file": SimpleUploadedFile("h.csv", data, content_type="text/csv")}

    url = "/api/v1/checklists/holidays/"
    client = api(hq_admin)
    assert client.post(url, upload("2026-10-01,国庆节\n".encode()), format="multipart").json() == {
        "stored": 1
    }
    assert api(rm01a).get(url).json() == [{"date": "2026-10-01", "name": "国庆节"}]
    r = client.post(url, upload(b"2026-10-02," + b"x" * (1024 * 1024)), format="multipart")
    assert r.status_code == 413 and "1 MB" in r.json()["file"][0]
    r = client.post(url, upload(b"\xff\xfe\x00garbage"), format="multipart")
    assert r.status_code == 400 and "UTF-8" in r.json()["file"][0]
    r = client.post(url, upload(b"\n\n"), format="multipart")
    assert r.status_code == 400 and "file" in r.json()
    assert client.post(url, {}, format="multipart").status_code == 400
    r = client.post(url, {**upload(b"2026-10-03,x\n"), "extra": "1"}, format="multipart")
    assert r.status_code == 400 and "extra" in r.json()
    assert list(Holiday.objects.values_list("name", flat=True)) == ["国庆节"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/checklists/runs/?date=2026-02-30", "date"),
        ("/api/v1/checklists/runs/?date=yesterday", "date"),
        ("/api/v1/checklists/runs/?status=lost", "status"),
        ("/api/v1/checklists/dashboard/?since=yesterday", "since"),
        ("/api/v1/checklists/dashboard/?until=2026-13-01", "until"),
        ("/api/v1/checklists/dashboard/?since=2026-12-01&until=2026-11-01", "since"),
        ("/api/v1/checklists/export/?since=2020-01-01&until=2026-11-01", "since"),
        ("/api/v1/checklists/export/?until=soon", "until"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(api, lead01, hq_admin, path, parameter):
    user = hq_admin if "/export/" in path else lead01
    r = api(user).get(path)
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert list(r.json()) == [parameter] and r.json()[parameter][0]


def test_the_runs_list_pages(api, runs, hq_admin):
    body = api(hq_admin).get("/api/v1/checklists/runs/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert api(hq_admin).get("/api/v1/checklists/runs/?page=9").status_code == 404
