"""Phone pages: the Today card, the run page's plain multipart form, the lead's queue, dashboard."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from rm_portal.checklists.models import ChecklistRun, RunItem
from tests.checklists.conftest import complete_all, jpeg

ON_DAY = time_machine.travel("2026-11-24 07:35 +0800", tick=False)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_today_shows_my_morning_meeting_reminder_and_the_checkin_tab(client, runs, rm01a):
    with ON_DAY:
        page = signed_in(client, rm01a).get("/").content.decode()
        # The RM's bar is full (今日, 客户, 商机, 物料, 我的): 打卡 overflows to the 我的 page.
        me_page = client.get("/me/").content.decode()
    assert 'data-testid="checklist-card"' in page and "晨会" in page and "截止 08:00" in page
    assert 'data-more="checklists"' in me_page and 'href="/checklists/"' in me_page


def test_the_leads_tab_opens_the_audit_queue(client, runs, lead01):
    complete_all(runs["rm01a"])
    page = signed_in(client, lead01).get("/").content.decode()
    assert 'href="/checklists/queue/"' in page and "1 项待审核" in page


def test_completing_without_javascript_through_the_plain_form(client, runs, rm01a):
    run = runs["rm01a"]
    photo_item, note_item = run.items.all()
    signed_in(client, rm01a)
    with ON_DAY:
        page = client.get(f"/checklists/runs/{run.pk}/").content.decode()
        assert 'accept="image/*" capture="environment"' in page and 'enctype="multipart/form-data"' in page
        r = client.post(
            f"/checklists/items/{photo_item.pk}/complete/",
            {"photo": SimpleUploadedFile("m.jpg", jpeg(), "image/jpeg"), "note": ""},
        )
        assert r.status_code == 302 and r["Location"] == f"/checklists/runs/{run.pk}/"
        client.post(f"/checklists/items/{note_item.pk}/complete/", {"note": "纪要"})
    run.refresh_from_db()
    assert run.status == ChecklistRun.Status.SUBMITTED and not run.late
    page = client.get(f"/checklists/runs/{run.pk}/").content.decode()
    assert f'src="/checklists/items/{photo_item.pk}/photo/"' in page


def test_a_bad_photo_on_the_page_shows_the_reason(client, runs, rm01a):
    item = runs["rm01a"].items.get(requires_photo=True)
    signed_in(client, rm01a)
    r = client.post(
        f"/checklists/items/{item.pk}/complete/",
        {"photo": SimpleUploadedFile("x.jpg", b"not a jpeg", "image/jpeg")},
        follow=True,
    )
    assert "上传的文件不是图片" in r.content.decode()
    assert not RunItem.objects.get(pk=item.pk).done


def test_pages_are_scoped_like_the_api(client, runs, rm01a, rm02a, lead02):
    complete_all(runs["rm01a"])
    item = runs["rm01a"].items.get(requires_photo=True)
    for user in (rm02a, lead02):
        signed_in(client, user)
        assert client.get(f"/checklists/runs/{runs['rm01a'].pk}/").status_code == 404
        assert client.get(f"/checklists/items/{item.pk}/photo/").status_code == 404
    signed_in(client, rm02a)
    assert client.post(f"/checklists/items/{item.pk}/complete/", {"note": "x"}).status_code == 404
    assert client.get("/checklists/queue/").status_code == 403
    assert client.get("/checklists/dashboard/").status_code == 403


def test_the_lead_approves_and_rejects_from_the_queue(client, runs, lead01, django_assert_max_num_queries):
    complete_all(runs["rm01a"])
    complete_all(runs["rm01b"])
    signed_in(client, lead01)
    with django_assert_max_num_queries(12):
        page = client.get("/checklists/queue/").content.decode()
    assert page.count('data-testid="queue-run"') == 2 and "/photo/" in page
    r = client.post(f"/checklists/runs/{runs['rm01a'].pk}/audit/", {"verdict": "approved"})
    assert r.status_code == 302
    r = client.post(
        f"/checklists/runs/{runs['rm01b'].pk}/audit/", {"verdict": "rejected", "comment": ""}, follow=True
    )
    assert "退回时请写明原因" in r.content.decode()
    client.post(f"/checklists/runs/{runs['rm01b'].pk}/audit/", {"verdict": "rejected", "comment": "重拍"})
    statuses = dict(ChecklistRun.objects.values_list("assignee__username", "status"))
    assert statuses == {"rm01a": "approved", "rm01b": "rejected", "rm02a": "open"}


def test_the_rejected_run_shows_the_comment_to_its_assignee(client, runs, lead01, rm01b):
    from rm_portal.checklists import services

    complete_all(runs["rm01b"])
    services.run_audit(run=runs["rm01b"], by=lead01, verdict="rejected", comment="纪要太简单")
    page = signed_in(client, rm01b).get(f"/checklists/runs/{runs['rm01b'].pk}/").content.decode()
    assert 'data-testid="reject-comment"' in page and "纪要太简单" in page and "<form" in page


def test_dashboard_draws_an_svg_chart_and_head_office_gets_the_export_link(
    client, runs, lead01, hq_admin, django_assert_max_num_queries
):
    complete_all(runs["rm01a"])
    signed_in(client, hq_admin)
    with django_assert_max_num_queries(14):
        page = client.get("/checklists/dashboard/?since=2026-11-20&until=2026-11-24").content.decode()
    assert "<svg" in page and "<rect" in page and 'data-testid="export"' in page
    r = client.get("/checklists/export.csv?since=2026-11-20&until=2026-11-24")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    signed_in(client, lead01)
    page = client.get("/checklists/dashboard/").content.decode()
    assert "<svg" in page and 'data-testid="export"' not in page
    assert client.get("/checklists/export.csv").status_code == 403


def test_my_checklist_page_lists_today_and_recent(client, runs, rm01a):
    with ON_DAY:
        page = signed_in(client, rm01a).get("/checklists/").content.decode()
    assert 'data-testid="run-link"' in page and "晨会" in page


def test_the_checklist_pages_speak_english_when_chosen(client, runs, rm01a):
    signed_in(client, rm01a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with ON_DAY:
        page = client.get("/").content.decode()
    assert "Today's checklists" in page
    assert "Check-in" in client.get("/me/").content.decode()
    item = runs["rm01a"].items.get(requires_photo=True)
    r = client.post(f"/checklists/items/{item.pk}/complete/", {"note": ""}, follow=True)
    assert "This item needs a photo" in r.content.decode()


def test_head_office_sees_templates_and_uploads_holidays_on_the_setup_page(client, morning, hq_admin, lead01):
    from rm_portal.checklists.models import Holiday

    signed_in(client, hq_admin)
    page = client.get("/checklists/setup/").content.decode()
    assert 'data-testid="template"' in page and "晨会 · 07:30" in page
    csv_file = SimpleUploadedFile("h.csv", "日期,名称\n2026-10-01,国庆节\n".encode(), "text/csv")
    r = client.post("/checklists/setup/", {"file": csv_file}, follow=True)
    assert "已导入 1 个节假日" in r.content.decode()
    bad = SimpleUploadedFile("h.csv", b"\xff\xfe\x00garbage", "text/csv")
    r = client.post("/checklists/setup/", {"file": bad}, follow=True)
    assert "UTF-8" in r.content.decode() and Holiday.objects.count() == 1
    signed_in(client, lead01)
    assert client.get("/checklists/setup/").status_code == 403


def test_bad_page_input_is_a_message_and_stores_nothing(client, runs, rm01a, lead01, hq_admin):
    from rm_portal.checklists.models import Holiday

    item = runs["rm01a"].items.get(requires_note=True)
    signed_in(client, rm01a)
    r = client.post(f"/checklists/items/{item.pk}/complete/", {"note": "长" * 2001}, follow=True)
    assert r.status_code == 200 and "2000" in r.content.decode()
    assert not RunItem.objects.get(pk=item.pk).done
    complete_all(runs["rm01b"])
    signed_in(client, lead01)
    r = client.post(f"/checklists/runs/{runs['rm01b'].pk}/audit/", {"verdict": "maybe"}, follow=True)
    assert "请选择通过或退回" in r.content.decode()
    assert ChecklistRun.objects.get(pk=runs["rm01b"].pk).status == ChecklistRun.Status.SUBMITTED
    signed_in(client, hq_admin)
    r = client.post("/checklists/setup/", {}, follow=True)
    assert "请选择不超过 1 MB 的 CSV 文件" in r.content.decode() and not Holiday.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["?until=0001-01-05", "?since=0001-01-01", "?until=9999-12-31", "?since=0001-01-01&until=0001-01-05"],
)
def test_an_out_of_range_date_in_the_address_falls_back_to_the_default_view(client, runs, hq_admin, query):
    client.force_login(hq_admin)
    page = client.get(f"/checklists/dashboard/{query}")
    assert page.status_code == 200
    export = client.get(f"/checklists/export.csv{query}")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
