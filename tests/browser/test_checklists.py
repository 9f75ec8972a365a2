"""The morning meeting on a phone: reminder on Today → the one form with a photo → the lead approves."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun
from rm_portal.org.models import Role
from tests.browser.conftest import login
from tests.checklists.conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morning_today(settings, tmp_path, rm01a, lead01):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Open all day, every day, so the test does not depend on the hour it runs at.
    template = services.template_save(
        name="晨会",
        time_of_day=time(0, 0),
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        due_minutes=23 * 60 + 59,
        roles=[Role.RM],
        skip_holidays=False,
        items=[
            {"text": "晨会现场照片", "requires_photo": True},
            {"text": "晨会纪要", "requires_note": True},
        ],
    )
    tick = services.checklists_tick()
    assert tick.generated == 1 and tick.reminded == 1
    return template


def test_morning_meeting_reminder_photo_and_approval(phone, morning_today, password, tmp_path):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    reminder = phone.get_by_test_id("checklist-reminder")
    assert "晨会" in reminder.inner_text()
    assert "晨会：请开始打卡" in phone.content()  # the reminder notification, unread
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("checklists-rm01a-today-reminder")

    reminder.click()
    photo = tmp_path / "meeting.jpg"
    taken = timezone.localtime().strftime("%Y:%m:%d %H:%M:%S")
    photo.write_bytes(jpeg(size=(3000, 2000), taken=taken, gps=True))
    # One form: the photo of item 1 and the note of item 2, one submit.
    first = phone.get_by_test_id("item-1")
    assert first.locator("input[type=file]").get_attribute("capture") == "environment"
    first.locator("input[type=file]").set_input_files(str(photo))
    phone.get_by_test_id("item-2").locator("textarea").fill("今日重点：三年期定存，目标 200 万")
    phone.shot("checklists-rm01a-one-form")
    phone.get_by_test_id("submit-run").click()
    expect(phone.locator(".flash__item")).to_contain_text("已提交 晨会，等待审核")
    assert phone.locator("[data-status=submitted]").first.is_visible()
    assert phone.locator("img.cl-photo").evaluate("img => img.complete && img.naturalWidth") == 2048
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("checklists-rm01a-run-submitted")

    phone.context.clear_cookies()
    login(phone, "lead01", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=checklists]")
    phone.wait_for_url(f"{phone.base}/checklists/queue/")
    assert phone.locator("[data-testid=queue-run] img").count() == 1
    phone.shot("checklists-lead01-queue")
    phone.get_by_test_id("approve").click()
    phone.wait_for_url(f"{phone.base}/checklists/queue/")
    expect(phone.locator(".flash__item")).to_contain_text("已通过 张晓明 晨会")
    assert ChecklistRun.objects.get().status == ChecklistRun.Status.APPROVED
    phone.shot("checklists-lead01-approved")


def test_head_office_dashboard_on_a_phone_with_the_demo_history(phone, settings, tmp_path):
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--password", "demo-password-1")
    login(phone, "hq_admin", "demo-password-1")
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=checklists]")
    phone.wait_for_url(f"{phone.base}/checklists/dashboard/")
    assert phone.get_by_test_id("chart").locator("rect").count() > 10
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("checklists-hq-dashboard")
    phone.context.clear_cookies()
    login(phone, "lead01", "demo-password-1")
    phone.goto(f"{phone.base}/checklists/queue/?status=rejected")
    assert phone.locator("[data-testid=queue-run]").count() >= 1
    phone.shot("checklists-lead01-rejected")
