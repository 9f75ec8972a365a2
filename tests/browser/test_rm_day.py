"""Issue 13 on a 375 px phone: the RM triages the day's opportunities, the lead batch-approves
checklists and opens a photo in the viewer, the compliance officer exports a search as CSV."""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.services.ingestion import messages_ingest
from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.models import Role
from tests.browser.conftest import login
from tests.checklists.conftest import jpeg, photo_upload
from tests.compliance.factories import demo_terms, item
from tests.customers.factories import customer
from tests.opportunities.test_triage import desk  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_rm_triages_the_day_sorts_filters_and_pages(phone, desk, rm01a, b01, password):  # noqa: F811
    for i in range(35):  # enough for a second page of 挖潜
        c = customer(f"B{i:02d}", rm01a, b01, aum=1000 + i)
        Opportunity.objects.create(
            rule=desk["soon"].rule, customer=c, assignee=rm01a, branch=b01,
            due_at=timezone.now() + timedelta(days=2, minutes=i),
        )  # fmt: skip
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.get_by_test_id("open-count").click()  # the Today card opens the day's triage
    phone.wait_for_url(f"{phone.base}/opportunities/today/")
    titles = phone.locator("section[data-testid^=group-] h2").all_inner_texts()
    assert [t.split()[1] for t in titles] == ["已逾期", "今日到期", "高优先级", "三日内到期", "其他"]
    expect(phone.get_by_test_id("group-overdue").get_by_test_id("opportunity")).to_contain_text("T-late")
    fits(phone)
    phone.shot("rm-day-opportunities-today")

    phone.get_by_test_id("group-due_soon").get_by_test_id("group-all").click()
    expect(phone).to_have_url(f"{phone.base}/opportunities/?status=open&due=3d")
    phone.select_option("select[name=sort]", "aum")
    phone.select_option("select[name=kind]", "mine")
    phone.get_by_role("button", name="筛选").click()
    expect(phone).to_have_url(
        f"{phone.base}/opportunities/?status=open&sort=aum&kind=mine&rule=&due=3d&overdue="
    )
    rows = phone.get_by_test_id("opportunity")
    expect(rows.first).to_contain_text("T-today")  # 900k AUM first
    expect(phone.get_by_test_id("result-count")).to_have_text("共 37 条")
    fits(phone)
    phone.shot("rm-day-opportunities-sorted")
    phone.get_by_test_id("next-page").click()
    expect(phone).to_have_url(f"{phone.base}/opportunities/?status=open&sort=aum&kind=mine&due=3d&page=2")
    expect(phone.locator("select[name=sort]")).to_have_value("aum")
    assert phone.get_by_test_id("opportunity").count() == 7
    phone.shot("rm-day-opportunities-page-2")
    # a hand-edited bad filter is dropped with a message, the rest still applies
    phone.goto(f"{phone.base}/opportunities/?status=open&sort=loudest&kind=mine")
    expect(phone.locator(".flash__item")).to_contain_text("已忽略无效的筛选条件：排序")
    expect(phone.get_by_test_id("result-count")).to_have_text("共 37 条")


@pytest.fixture
def meeting(settings, tmp_path, rm01a, rm01b, lead01):
    settings.MEDIA_ROOT = tmp_path / "media"
    services.template_save(
        name="晨会",
        time_of_day=time(0, 0),
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        due_minutes=23 * 60 + 59,
        roles=[Role.RM],
        skip_holidays=False,
        items=[
            {"text": "晨会现场照片", "requires_photo": True},
            {"text": "晨会纪要", "requires_note": True},
            {"text": "查看今日商机"},
        ],
    )
    services.checklists_tick()
    return {run.assignee.username: run for run in ChecklistRun.objects.select_related("assignee")}


def test_rm_fills_the_whole_checklist_in_one_form_with_a_real_photo(phone, meeting, tmp_path, password):
    photo = tmp_path / "meeting.jpg"
    photo.write_bytes(jpeg(size=(1200, 900), taken=timezone.localtime().strftime("%Y:%m:%d %H:%M:%S")))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"this is not a photo")
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.get_by_test_id("checklist-reminder").click()
    phone.get_by_test_id("item-1").locator("input[type=file]").set_input_files(str(broken))
    phone.get_by_test_id("item-2").locator("textarea").fill("今日重点：大额存单")
    phone.get_by_test_id("item-3").get_by_label("已完成此项").check()
    phone.get_by_test_id("submit-run").click()
    expect(phone.locator(".flash__item")).to_contain_text("第 1 项：上传的文件不是图片")
    assert not meeting["rm01a"].items.filter(done=True).exists()  # all or nothing
    phone.shot("rm-day-checklist-refused")
    # the note and the tick survive the refusal; only the photo is chosen again
    expect(phone.get_by_test_id("item-2").locator("textarea")).to_have_value("今日重点：大额存单")
    expect(phone.get_by_test_id("item-3").get_by_label("已完成此项")).to_be_checked()
    phone.get_by_test_id("item-1").locator("input[type=file]").set_input_files(str(photo))
    fits(phone)
    phone.shot("rm-day-checklist-one-form")
    phone.get_by_test_id("submit-run").click()
    expect(phone.locator(".flash__item")).to_contain_text("已提交 晨会，等待审核")
    assert ChecklistRun.objects.get(pk=meeting["rm01a"].pk).status == "submitted"
    phone.shot("rm-day-checklist-submitted")


def test_lead_sees_who_is_missing_batch_approves_and_opens_a_photo(phone, meeting, password):
    for username in ("rm01a", "rm01b"):
        run = meeting[username]
        for it in run.items.all():
            services.item_complete(
                item=it,
                by=run.assignee,
                photo=photo_upload(jpeg(size=(1600, 1200))) if it.requires_photo else None,
                note="纪要" if it.requires_note else "",
            )
    run = meeting["rm01b"]
    ChecklistRun.objects.filter(pk=run.pk).update(status="open")  # rm01b's is not done after all
    login(phone, "lead01", password)
    phone.wait_for_url(f"{phone.base}/")
    expect(phone.get_by_test_id("not-done-names")).to_have_text("陈静")
    phone.shot("rm-day-lead-today-not-done")
    ChecklistRun.objects.filter(pk=run.pk).update(status="submitted")
    phone.click("a[data-tab=checklists]")
    phone.wait_for_url(f"{phone.base}/checklists/queue/")
    picks = phone.get_by_test_id("batch-pick")
    assert picks.count() == 2
    for i in range(2):
        picks.nth(i).check()
    fits(phone)
    phone.shot("rm-day-lead-batch")
    phone.get_by_test_id("batch-approve").click()
    expect(phone.locator(".flash__item").first).to_contain_text("已通过 2 项：")
    assert set(ChecklistRun.objects.values_list("status", flat=True)) == {"approved"}
    phone.shot("rm-day-lead-batch-done")
    # the photo viewer, by keyboard: focus the thumbnail link, Enter; Esc goes back to the run
    phone.goto(f"{phone.base}/checklists/queue/?status=approved")
    thumb = phone.get_by_test_id("photo-open").first
    thumb.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_selector("[data-testid=photo-viewer]")
    full = phone.get_by_test_id("photo-full")
    assert full.evaluate("img => img.complete && img.naturalWidth") == 1600
    assert full.evaluate("img => img.getBoundingClientRect().width") <= 375
    fits(phone)
    phone.shot("rm-day-photo-viewer")
    phone.keyboard.press("Escape")
    phone.wait_for_url(f"{phone.base}/checklists/runs/**")
    # and by touch
    phone.get_by_test_id("photo-open").first.tap()
    phone.wait_for_selector("[data-testid=photo-viewer]")


def test_officer_exports_the_search_as_csv(phone, compliance, rm01a, password):
    demo_terms()
    sent = timezone.now() - timedelta(hours=1)
    messages_ingest(
        items=[item("rm01a", "方便加微信吗", sent_at=sent.isoformat()), item("rm01a", "明天见")],
        by=rm01a,
        gateway=True,
    )
    login(phone, "compliance", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=search]")
    phone.fill("input[name=q]", "微信")
    phone.get_by_role("button", name="检索").click()
    expect(phone.get_by_test_id("result-count")).to_have_text("共 1 条")
    fits(phone)
    phone.shot("rm-day-officer-search")
    with phone.expect_download() as info:
        phone.get_by_test_id("export").click()
    download = info.value
    assert download.suggested_filename.startswith("compliance-export-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["编号", "发送时间", "渠道"]
    assert len(rows) == 2 and rows[1][8] == "方便加微信吗"
    assert rows[1][1] == timezone.localtime(sent).strftime("%Y-%m-%d %H:%M:%S+08:00")
