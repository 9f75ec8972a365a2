"""Issue 13's checklist pieces: the run in one all-or-nothing form, the early-completion setting,
the lead's 今日 names, batch approve, the photo viewer, and banners that say which verdict."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunItem
from rm_portal.core.errors import Conflict, Invalid, TooLarge
from rm_portal.org.models import Role
from tests.checklists.conftest import DAY, complete_all, jpeg, photo_upload

ON_DAY = time_machine.travel("2026-11-24 07:35 +0800", tick=False)
EARLY = time_machine.travel("2026-11-24 07:00 +0800", tick=False)


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def three(db, b01, b02, rm01a, rm01b, rm02a, lead01, lead02):
    """A three-item 晨会: a photo, a note, a plain tick."""
    template = services.template_save(
        name="晨会",
        time_of_day=time(7, 30),
        weekdays=[1, 2, 3, 4, 5],
        due_minutes=30,
        roles=[Role.RM],
        items=[
            {"text": "晨会照片", "requires_photo": True},
            {"text": "晨会纪要", "requires_note": True},
            {"text": "查看今日商机"},
            {"text": "现场第二张照片", "requires_photo": True},
        ],
    )
    services.runs_generate(template=template, on=DAY)
    return {run.assignee.username: run for run in ChecklistRun.objects.select_related("assignee")}


def _form(run: ChecklistRun, *, bad_photo_on: int | None = None, note: str = "纪要") -> dict:
    data: dict = {}
    for n, item in enumerate(run.items.order_by("order"), start=1):
        data[f"done-{item.pk}"] = "1"
        if item.requires_photo:
            content = b"not a jpeg" if n == bad_photo_on else jpeg()
            data[f"photo-{item.pk}"] = SimpleUploadedFile(f"p{n}.jpg", content, "image/jpeg")
        if item.requires_note:
            data[f"note-{item.pk}"] = note
    return data


def test_the_run_page_is_one_form_with_camera_capture(client, three, rm01a):
    run = three["rm01a"]
    with ON_DAY:
        html = signed_in(client, rm01a).get(f"/checklists/runs/{run.pk}/").content.decode()
    assert html.count('<form class="card form" method="post"') == 1
    assert f'action="/checklists/runs/{run.pk}/submit/"' in html and 'enctype="multipart/form-data"' in html
    assert html.count('accept="image/*" capture="environment"') == 2
    assert html.count('data-testid="submit-run"') == 1
    # every input has its label (the label element wraps it)
    assert html.count('<label class="cl-tick"><input type="checkbox"') == 4


def test_one_submit_stores_every_item_and_submits_the_run(client, three, rm01a):
    run = three["rm01a"]
    signed_in(client, rm01a)
    with ON_DAY:
        r = client.post(f"/checklists/runs/{run.pk}/submit/", _form(run), follow=True)
    assert "已提交 晨会，等待审核" in r.content.decode()
    run.refresh_from_db()
    assert run.status == ChecklistRun.Status.SUBMITTED and not run.late
    items = list(run.items.order_by("order"))
    assert all(item.done and item.completed_by == rm01a for item in items)
    assert items[0].photo and items[3].photo and items[1].note == "纪要"


def test_a_bad_photo_on_item_4_stores_nothing_and_says_which_item(client, three, rm01a):
    run = three["rm01a"]
    signed_in(client, rm01a)
    with ON_DAY:
        r = client.post(f"/checklists/runs/{run.pk}/submit/", _form(run, bad_photo_on=4))
    assert r.status_code == 400
    html = r.content.decode()
    assert "未保存任何一项" in html and "第 4 项：上传的文件不是图片" in html
    # what was typed and ticked is still there; only the photos are chosen again
    note_item = run.items.get(order=1)
    assert f'name="note-{note_item.pk}" rows="2" maxlength="2000">纪要</textarea>' in html
    assert f'name="done-{note_item.pk}" value="1" checked>' in html
    assert not RunItem.objects.filter(run=run, done=True).exists()
    assert not RunItem.objects.filter(run=run).exclude(photo="").exists()
    assert ChecklistRun.objects.get(pk=run.pk).status == ChecklistRun.Status.OPEN


def test_a_missing_note_or_a_too_long_one_names_the_item_and_stores_nothing(client, three, rm01a):
    run = three["rm01a"]
    signed_in(client, rm01a)
    with ON_DAY:
        r = client.post(f"/checklists/runs/{run.pk}/submit/", _form(run, note=""), follow=True)
        assert "第 2 项：该事项需要填写备注" in r.content.decode()
        r = client.post(f"/checklists/runs/{run.pk}/submit/", _form(run, note="字" * 2001), follow=True)
        assert "第 2 项：备注最多 2000 字" in r.content.decode()
        r = client.post(f"/checklists/runs/{run.pk}/submit/", {}, follow=True)
        assert "请至少完成一项再提交" in r.content.decode()
    assert not RunItem.objects.filter(run=run, done=True).exists()


def test_an_oversized_photo_is_refused_naming_the_item(three, rm01a):
    from rm_portal.checklists import photos

    run = three["rm01a"]
    big = photo_upload(b"\xff" * (photos.MAX_BYTES + 1))
    first = run.items.get(order=0)
    with ON_DAY, pytest.raises(TooLarge) as caught:
        services.run_complete(run=run, by=rm01a, answers=[services.Answer(item_id=first.pk, photo=big)])
    assert "第 1 项" in str(caught.value)
    assert not RunItem.objects.filter(run=run, done=True).exists()


def test_a_partial_submit_keeps_the_run_open_and_says_what_is_left(client, three, rm01a):
    run = three["rm01a"]
    tick = run.items.get(order=2)
    signed_in(client, rm01a)
    with ON_DAY:
        r = client.post(f"/checklists/runs/{run.pk}/submit/", {f"done-{tick.pk}": "1"}, follow=True)
    assert "已保存 1 项，还有 3 项未完成" in r.content.decode()
    assert ChecklistRun.objects.get(pk=run.pk).status == ChecklistRun.Status.OPEN


def test_the_one_form_is_the_doers_only(client, three, rm01b, rm02a, lead01):
    run = three["rm01a"]
    for user in (rm01b, rm02a, lead01):  # a colleague, another branch, the lead who only sees it
        with ON_DAY:
            assert (
                signed_in(client, user).post(f"/checklists/runs/{run.pk}/submit/", _form(run)).status_code
                == 404
            )
    assert not RunItem.objects.filter(run=run, done=True).exists()


@pytest.mark.parametrize(
    ("early", "outcome"),
    [
        (ChecklistTemplate.Early.ALLOW, "ok"),
        (ChecklistTemplate.Early.FLAG, "flag"),
        (ChecklistTemplate.Early.REFUSE, "refuse"),
    ],
)
def test_completion_before_the_window_opens_follows_the_template(three, rm01a, early, outcome):
    run = three["rm01a"]
    ChecklistTemplate.objects.filter(pk=run.template_id).update(early=early)
    tick = run.items.get(order=2)
    with EARLY:
        if outcome == "refuse":
            with pytest.raises(Conflict, match="07:30 才开始"):
                services.item_complete(item=tick, by=rm01a)
            with pytest.raises(Conflict):
                services.run_complete(
                    run=run, by=rm01a, answers=[services.Answer(item_id=tick.pk, done=True)]
                )
            assert not RunItem.objects.get(pk=tick.pk).done
            return
        services.item_complete(item=tick, by=rm01a)
    assert RunItem.objects.get(pk=tick.pk).early is (outcome == "flag")
    # after the window opens nothing is flagged
    with ON_DAY:
        services.item_complete(item=tick, by=rm01a)
    assert RunItem.objects.get(pk=tick.pk).early is False


def test_the_page_tells_before_the_window_and_the_api_refuses_with_409(client, api, three, rm01a):
    run = three["rm01a"]
    ChecklistTemplate.objects.filter(pk=run.template_id).update(early="refuse")
    tick = run.items.get(order=2)
    with EARLY:
        html = signed_in(client, rm01a).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert "07:30 开始，开始前不能提交" in html
        r = client.post(f"/checklists/runs/{run.pk}/submit/", {f"done-{tick.pk}": "1"}, follow=True)
        assert "07:30 才开始，请到时再完成" in r.content.decode()
        r = api(rm01a).post(f"/api/v1/checklists/items/{tick.pk}/complete/", {}, format="multipart")
        assert r.status_code == 409
    assert not RunItem.objects.get(pk=tick.pk).done


def test_head_office_sets_the_early_rule_through_the_api(api, three, hq_admin):
    run = three["rm01a"]
    client = api(hq_admin)
    body = client.get(f"/api/v1/checklists/templates/{run.template_id}/").json()
    assert body["early"] == "allow"
    body.update({"early": "flag"})
    for key in ("id", "version"):
        body.pop(key)
    r = client.put(f"/api/v1/checklists/templates/{run.template_id}/", body, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["early"] == "flag"
    r = client.put(
        f"/api/v1/checklists/templates/{run.template_id}/", {**body, "early": "sometimes"}, format="json"
    )
    assert r.status_code == 400 and "early" in r.json()


def test_the_leads_today_card_names_who_has_not_done_the_morning_meeting(
    client, three, lead01, lead02, rm01a
):
    complete_all(three["rm01a"])
    with ON_DAY:
        html = signed_in(client, lead01).get("/").content.decode()
    assert 'data-testid="not-done"' in html and "07:30 晨会未完成" in html
    names = html.split('data-testid="not-done-names">')[1].split("<")[0]
    assert three["rm01b"].assignee.staff.name in names
    assert three["rm01a"].assignee.staff.name not in names
    assert three["rm02a"].assignee.staff.name not in names  # another branch
    with ON_DAY:
        other = signed_in(client, lead02).get("/").content.decode()
    assert three["rm02a"].assignee.staff.name in other.split('data-testid="not-done-names">')[1].split("<")[0]


def test_batch_approve_states_each_result(client, three, lead01, rm01a, rm01b, django_assert_max_num_queries):
    complete_all(three["rm01a"])
    complete_all(three["rm01b"])
    ids = [three["rm01a"].pk, three["rm01b"].pk, three["rm02a"].pk, 999999]
    signed_in(client, lead01)
    html = client.get("/checklists/queue/").content.decode()
    assert html.count('data-testid="batch-pick"') == 2 and 'id="batch"' in html
    r = client.post("/checklists/queue/approve/", {"run": [str(pk) for pk in ids]}, follow=True)
    html = r.content.decode()
    a, b = (three[u].assignee.staff.name for u in ("rm01a", "rm01b"))
    assert f"已通过 2 项：{a} 晨会 11-24、{b} 晨会 11-24" in html
    assert f"2 项未通过：第 {three['rm02a'].pk} 号：不存在或不在您的网点；第 999999 号" in html
    statuses = dict(ChecklistRun.objects.values_list("assignee__username", "status"))
    assert statuses == {"rm01a": "approved", "rm01b": "approved", "rm02a": "open"}
    # the same batch again: each one says it is no longer waiting
    r = client.post("/checklists/queue/approve/", {"run": [str(three["rm01a"].pk)]}, follow=True)
    assert "1 项未通过" in r.content.decode() and "只能审核已提交" in r.content.decode()
    r = client.post("/checklists/queue/approve/", {"run": ["x"]}, follow=True)
    assert "请先勾选要通过的动作" in r.content.decode()


def test_batch_approve_is_the_leads_only(client, three, rm01a, hq_admin):
    complete_all(three["rm01a"])
    for user in (rm01a, hq_admin):
        assert (
            signed_in(client, user)
            .post("/checklists/queue/approve/", {"run": [three["rm01a"].pk]})
            .status_code
            == 403
        )
    assert ChecklistRun.objects.get(pk=three["rm01a"].pk).status == "submitted"


def test_approve_and_reject_say_which_they_did(client, three, lead01):
    complete_all(three["rm01a"])
    complete_all(three["rm01b"])
    signed_in(client, lead01)
    name = three["rm01a"].assignee.staff.name
    r = client.post(f"/checklists/runs/{three['rm01a'].pk}/audit/", {"verdict": "approved"}, follow=True)
    assert f"已通过 {name} 晨会 11-24" in r.content.decode()
    other = three["rm01b"].assignee.staff.name
    r = client.post(
        f"/checklists/runs/{three['rm01b'].pk}/audit/",
        {"verdict": "rejected", "comment": "照片不清"},
        follow=True,
    )
    assert f"已退回 {other} 晨会 11-24" in r.content.decode()


def test_the_photo_viewer_shows_the_full_image_and_steps_through_the_runs_photos(
    client, three, lead01, lead02, rm01a
):
    complete_all(three["rm01a"])
    first, second = three["rm01a"].items.filter(requires_photo=True).order_by("order")
    signed_in(client, lead01)
    html = client.get(f"/checklists/items/{first.pk}/view/").content.decode()
    assert f'src="/checklists/items/{first.pk}/photo/"' in html and 'data-testid="photo-full"' in html
    assert 'alt="现场照片：晨会照片"' in html and "1 / 2" in html
    assert f'href="/checklists/items/{second.pk}/view/" rel="next"' in html
    assert 'rel="prev"' not in html
    run_page = client.get(f"/checklists/runs/{three['rm01a'].pk}/").content.decode()
    assert f'href="/checklists/items/{first.pk}/view/"' in run_page
    queue = client.get("/checklists/queue/").content.decode()
    assert f'href="/checklists/items/{first.pk}/view/"' in queue
    # scoped like the run; an item without a photo has no viewer
    assert signed_in(client, lead02).get(f"/checklists/items/{first.pk}/view/").status_code == 404
    note_item = three["rm01a"].items.get(order=1)
    assert signed_in(client, rm01a).get(f"/checklists/items/{note_item.pk}/view/").status_code == 404


def test_run_complete_refuses_items_of_another_run(three, rm01a):
    run = three["rm01a"]
    foreign = three["rm01b"].items.get(order=2)
    with ON_DAY, pytest.raises(Invalid):
        services.run_complete(run=run, by=rm01a, answers=[services.Answer(item_id=foreign.pk, done=True)])
    assert not RunItem.objects.get(pk=foreign.pk).done
