"""When runs are made and who is reminded: bank time, idempotency, late reminders, holidays."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from django.core.management import call_command

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun, Holiday, RunItem
from rm_portal.notifications.models import Notification
from rm_portal.org.models import Role
from tests.checklists.conftest import DAY, complete_all
from tests.factories import StaffFactory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_0730_shanghai_template_fires_at_2330_utc_the_day_before(morning, rm01a, rm02a, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # the server's own clock and zone are UTC
    with time_machine.travel(utc(2026, 11, 23, 23, 29, 30), tick=False):
        assert services.checklists_tick().generated == 0
        assert not ChecklistRun.objects.exists()
    with time_machine.travel(utc(2026, 11, 23, 23, 30), tick=False):
        tick = services.checklists_tick()
    assert tick.generated == 2 and tick.reminded == 2
    run = ChecklistRun.objects.get(assignee=rm01a)
    assert run.date == DAY  # Tuesday in Shanghai, still Monday in UTC
    assert run.due_at == utc(2026, 11, 24, 0, 0)  # 08:00 Shanghai
    assert run.reminded_at == utc(2026, 11, 23, 23, 30)
    assert Notification.objects.filter(recipient=rm01a, kind="checklist_reminder").count() == 1


def test_second_tick_restart_and_command_create_no_duplicate_and_no_second_reminder(morning, rm01a, rm02a):
    with time_machine.travel(utc(2026, 11, 23, 23, 31), tick=False):
        services.checklists_tick()
        second = services.checklists_tick()
        # A worker restart loses the Generation mark's benefit: generation itself is still a no-op.
        again = services.runs_generate(template=morning, on=DAY)
        resent = services.reminders_send(template=morning, on=DAY)
        call_command("generate_checklists", "--date", DAY.isoformat())
    assert (second.generated, second.reminded, again, resent) == (0, 0, 0, 0)
    assert ChecklistRun.objects.count() == 2
    assert RunItem.objects.count() == 4
    assert Notification.objects.filter(kind="checklist_reminder").count() == 2


def test_generation_is_set_based_not_per_person(morning, b01, django_assert_max_num_queries):
    for n in range(40):
        StaffFactory(role=Role.RM, branch=b01, user__username=f"bulk{n}")
    with django_assert_max_num_queries(20):
        created = services.runs_generate(template=morning, on=DAY)
    with django_assert_max_num_queries(10):
        reminded = services.reminders_send(template=morning, on=DAY)
    assert created == 40 and reminded == 40
    assert RunItem.objects.count() == 80


def test_late_reminder_once_and_the_branch_lead_is_told_who_missed(runs, lead01, lead02):
    done = runs["rm01b"]
    complete_all(done, now=utc(2026, 11, 23, 23, 45))
    with time_machine.travel(utc(2026, 11, 23, 23, 59), tick=False):
        assert services.late_reminders_send() == 0  # window not over yet
    with time_machine.travel(utc(2026, 11, 24, 0, 1), tick=False):
        assert services.checklists_tick().late == 2  # rm01a and rm02a
        assert services.checklists_tick().late == 0
    assert Notification.objects.filter(kind="checklist_late").count() == 2
    assert not Notification.objects.filter(kind="checklist_late", recipient=done.assignee).exists()
    told = Notification.objects.get(recipient=lead01, kind="checklist_missed")
    assert "张晓明" in told.body and "陈静" not in told.body
    assert "刘洋" in Notification.objects.get(recipient=lead02, kind="checklist_missed").body


def test_done_late_is_recorded_and_an_open_run_becomes_missed_after_its_day(runs):
    late = runs["rm01a"]
    complete_all(late, now=utc(2026, 11, 24, 0, 10))  # 08:10, due 08:00
    late.refresh_from_db()
    assert late.status == ChecklistRun.Status.SUBMITTED and late.late
    with time_machine.travel(utc(2026, 11, 24, 16, 1), tick=False):  # 00:01 on the 25th in Shanghai
        tick = services.checklists_tick()
    assert tick.missed == 2
    assert ChecklistRun.objects.get(pk=runs["rm02a"].pk).status == ChecklistRun.Status.MISSED


def test_no_runs_on_weekends_or_holidays(morning, rm01a, api, hq_admin):
    assert services.runs_generate(template=morning, on=DAY + timedelta(days=4)) == 0  # Saturday
    r = api(hq_admin).post(
        "/api/v1/checklists/holidays/",
        {"file": _csv("date,name\n2026-11-24,行庆日\n")},
        format="multipart",
    )
    assert r.status_code == 200 and r.json() == {"stored": 1}
    assert Holiday.objects.get().name == "行庆日"
    assert services.runs_generate(template=morning, on=DAY) == 0
    assert not ChecklistRun.objects.exists()


def test_holiday_upload_is_all_or_nothing_and_head_office_only(api, hq_admin, rm01a):
    r = api(hq_admin).post(
        "/api/v1/checklists/holidays/", {"file": _csv("2026-10-01,国庆\n2026-13-01,坏\n")}, format="multipart"
    )
    assert r.status_code == 400 and "第 2 行" in str(r.json())
    assert not Holiday.objects.exists()
    r = api(rm01a).post(
        "/api/v1/checklists/holidays/", {"file": _csv("2026-10-01,国庆\n")}, format="multipart"
    )
    assert r.status_code == 403


def test_editing_a_template_bumps_its_version_and_never_rewrites_past_runs(runs, morning):
    services.template_save(
        template=morning,
        name="晨会（新）",
        time_of_day=time(8, 0),
        weekdays=[1, 2, 3, 4, 5],
        due_minutes=30,
        roles=[Role.RM],
        items=[{"text": "新的事项", "requires_photo": False}],
    )
    morning.refresh_from_db()
    assert morning.version == 2
    old = runs["rm01a"]
    old.refresh_from_db()
    assert old.template_version == 1 and old.name == "晨会"
    assert [i.text for i in old.items.all()] == ["晨会照片", "晨会纪要"]
    services.runs_generate(template=morning, on=DAY + timedelta(days=1))
    new = ChecklistRun.objects.get(assignee=old.assignee, date=DAY + timedelta(days=1))
    assert new.template_version == 2 and [i.text for i in new.items.all()] == ["新的事项"]


def test_branch_limited_template_only_reaches_its_branches(b01, b02, rm01a, rm02a):
    template = services.template_save(
        name="城东专项",
        time_of_day=time(9, 0),
        weekdays=[2],
        due_minutes=60,
        roles=[Role.RM],
        branches=[b01],
        items=[{"text": "事项"}],
    )
    services.runs_generate(template=template, on=DAY)
    assert list(ChecklistRun.objects.values_list("assignee__username", flat=True)) == ["rm01a"]


def test_beat_schedule_contains_the_checklist_tick(db):
    from rm_portal.celery import app

    app.finalize()
    assert app.conf.beat_schedule["checklists-tick"]["task"] == "rm_portal.checklists.tasks.checklists_tick"


def test_the_tick_task_runs_the_service(morning, rm01a):
    from rm_portal.checklists.tasks import checklists_tick

    with time_machine.travel(utc(2026, 11, 23, 23, 40), tick=False):
        result = checklists_tick.delay().get()
    assert result["generated"] == 1


def _csv(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("holidays.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_a_leavers_untouched_open_runs_are_withdrawn_and_history_stays(runs, rm01a, rm01b):
    from rm_portal.org.handover import movers

    with time_machine.travel(utc(2026, 11, 24, 1, 0), tick=False):
        moved = movers()["checklists"](rm01a, rm01b)
    assert moved == {"checklist_runs_withdrawn": 1}
    assert not ChecklistRun.objects.filter(assignee=rm01a).exists()
    complete_all(runs["rm01b"])
    with time_machine.travel(utc(2026, 11, 24, 1, 0), tick=False):
        assert movers()["checklists"](rm01b, rm01a) == {"checklist_runs_withdrawn": 0}
    assert ChecklistRun.objects.filter(assignee=rm01b).exists()


def test_runs_made_early_by_the_command_still_get_their_reminder_at_the_time(morning, rm01a):
    with time_machine.travel(utc(2026, 11, 23, 22, 0), tick=False):  # 06:00 Shanghai
        call_command("generate_checklists", "--date", DAY.isoformat())
        assert services.checklists_tick().reminded == 0
    assert ChecklistRun.objects.get().reminded_at is None
    with time_machine.travel(utc(2026, 11, 23, 23, 30), tick=False):
        assert services.checklists_tick().reminded == 1
        assert services.checklists_tick().reminded == 0


def test_a_window_ending_after_midnight_gets_its_late_reminder_before_it_is_missed(b01, rm01a):
    template = services.template_save(
        name="夜间巡检",
        time_of_day=time(23, 50),
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        due_minutes=30,
        roles=[Role.RM],
        items=[{"text": "巡检"}],
    )
    with time_machine.travel(utc(2026, 11, 24, 15, 50), tick=False):  # 23:50 Shanghai
        assert services.checklists_tick().generated == 1
    with time_machine.travel(utc(2026, 11, 24, 16, 5), tick=False):  # 00:05 the next day
        tick = services.checklists_tick()
    assert (tick.late, tick.missed) == (0, 0)
    assert ChecklistRun.objects.get(template=template).status == ChecklistRun.Status.OPEN
    with time_machine.travel(utc(2026, 11, 24, 16, 21), tick=False):  # 00:21, window over
        tick = services.checklists_tick()
    assert (tick.late, tick.missed) == (1, 1)
    assert Notification.objects.filter(recipient=rm01a, kind="checklist_late").count() == 1
