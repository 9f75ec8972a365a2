from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from rm_portal.customers.models import Customer, Holding, HoldingType, IndicatorValues
from rm_portal.customers.services.tags import tags_recompute
from rm_portal.notifications.models import Notification
from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services import generation
from rm_portal.opportunities.services.execution import (
    opportunities_move,
    opportunities_overdue_sweep,
    opportunity_complete,
)
from rm_portal.opportunities.services.generation import opportunity_rules_run
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db


def _open(**lookup):
    return Opportunity.objects.filter(status=Opportunity.Status.OPEN, **lookup)


def test_matching_customers_get_one_opportunity_each_for_their_owner(world, rm01a, rm01b, rm02a):
    td = rule()
    assert opportunity_rules_run() == {"td7": 4}
    by_customer = {o.customer.cust_no: o for o in _open(rule=td).select_related("customer")}
    assert set(by_customer) == {"C1", "C3", "C4", "C5"}  # C2 matures in 30 days; C6 has no record
    assert by_customer["C1"].assignee == rm01a and by_customer["C3"].assignee == rm01b
    assert by_customer["C4"].assignee == rm02a and by_customer["C4"].branch.code == "B02"
    c1 = by_customer["C1"]
    assert c1.due_at - c1.created_at == timedelta(days=3)
    assert c1.reason["indicators"] == [
        {"code": "td_maturing_days", "name": "最近定期到期天数", "value": 3, "unit": "天"}
    ]
    assert c1.script == "您好客户C1，我是张晓明。"


def test_the_script_is_rendered_with_the_soonest_maturing_product(world):
    Customer.objects.filter(pk=world["c1"].pk).update(aum=50000)
    Holding.objects.create(
        customer=world["c1"],
        product="整存整取1年",
        type=HoldingType.TIME_DEPOSIT,
        amount=100000,
        maturity_date=timezone.localdate() + timedelta(days=3),
    )
    Holding.objects.create(
        customer=world["c1"],
        product="稳盈180天",
        type=HoldingType.WEALTH,
        amount=5,
        maturity_date=timezone.localdate() + timedelta(days=100),
    )
    rule(script="{customer_name}：{product} {amount} 元于 {maturity_date} 到期；{aum}")
    opportunity_rules_run()
    script = Opportunity.objects.get(customer=world["c1"]).script
    day = timezone.localdate() + timedelta(days=3)
    assert script == f"客户C1：整存整取1年 100,000.00 元于 {day:%Y-%m-%d} 到期；50,000.00"
    assert Opportunity.objects.get(customer=world["c3"]).script.startswith("客户C3：— — 元")


def test_running_twice_creates_no_duplicates_and_the_database_refuses_one(world):
    td = rule()
    opportunity_rules_run()
    assert opportunity_rules_run() == {"td7": 0}
    assert Opportunity.objects.count() == 4
    existing = Opportunity.objects.get(customer=world["c1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.create(
            rule=td, customer=world["c1"], branch=existing.branch, due_at=timezone.now()
        )


def test_cooldown_holds_after_completion_and_zero_cooldown_fires_again(world, rm01a):
    rule(cooldown_days=30)
    rule(code="quick", cooldown_days=0)
    opportunity_rules_run()
    for o in _open(customer=world["c1"]):
        opportunity_complete(opportunity=o, by=rm01a, outcome="contacted")
    created = opportunity_rules_run()
    assert created == {"td7": 0, "quick": 1}
    assert _open(customer=world["c1"], rule__code="quick").count() == 1
    later = timezone.now() + timedelta(days=31)
    _open(customer=world["c1"]).update(status="done", completed_at=timezone.now())
    assert opportunity_rules_run(now=later)["td7"] == 1


def test_a_customer_never_has_more_than_the_cap_open_and_the_higher_priority_wins(world, monkeypatch):
    monkeypatch.setattr(generation, "MAX_OPEN_PER_CUSTOMER", 2)
    rule(code="low", priority=10)
    rule(code="high", priority=90)
    rule(code="mid", priority=50)
    opportunity_rules_run()
    assert set(_open(customer=world["c1"]).values_list("rule__code", flat=True)) == {"high", "mid"}
    assert opportunity_rules_run() == {"high": 0, "mid": 0, "low": 0}
    assert _open(customer=world["c1"]).count() == 2


def test_ownerless_and_inactive_owner_customers_go_to_the_branch_lead(world, rm01b, lead01):
    rm01b.staff.active = False
    rm01b.staff.save()
    rule()
    opportunity_rules_run()
    assert Opportunity.objects.get(customer=world["c5"]).assignee is None
    assert Opportunity.objects.get(customer=world["c3"]).assignee is None
    note = Notification.objects.get(recipient=lead01)
    assert note.title == "今日新增 2 条商机：规则td7 2 条" and note.link == "/opportunities/today/"


def test_one_notification_per_rm_per_run_across_rules(world, rm01a, rm02a):
    rule()
    rule(code="dormant", condition="tag(沉睡客户)")
    opportunity_rules_run()
    assert Notification.objects.filter(recipient=rm01a).count() == 1
    assert "2" in Notification.objects.get(recipient=rm01a).title  # C1 twice
    assert Notification.objects.filter(recipient=rm02a).count() == 1
    opportunity_rules_run()
    assert Notification.objects.filter(recipient=rm01a).count() == 1  # nothing new, nothing sent


def test_became_fires_only_for_tags_gained_since_the_last_run(world):
    rule(code="woke", condition="became(沉睡客户)")
    opportunity_rules_run()
    assert set(Opportunity.objects.values_list("customer__cust_no", flat=True)) == {"C1", "C3"}
    Opportunity.objects.all().update(status="done", completed_at=timezone.now() - timedelta(days=400))
    Opportunity.objects.all().update(created_at=timezone.now() - timedelta(days=400))
    IndicatorValues.objects.filter(customer=world["c2"]).update(
        values={"td_maturing_days": 30, "days_since_last_txn": 190}
    )
    tags_recompute()
    assert opportunity_rules_run() == {"woke": 1}  # C2 just became dormant; C1, C3 were already
    assert _open().get().customer == world["c2"]
    assert _open().get().reason["became"] == [{"code": "dormant", "name": "沉睡客户"}]


def test_tags_in_the_reason_are_the_ones_the_customer_has(world):
    rule(code="mix", condition="tag(沉睡客户) or tag(定期到期)")
    opportunity_rules_run()
    reason = Opportunity.objects.get(customer=world["c5"]).reason
    assert reason["tags"] == [{"code": "td_due", "name": "定期到期"}]


def test_a_rule_whose_indicator_vanished_is_skipped_not_crashed(world):
    from rm_portal.customers.models import IndicatorDefinition

    rule(code="gone", condition="samename_out_amt_1m > 1")
    rule()
    IndicatorDefinition.objects.filter(code="samename_out_amt_1m").delete()
    assert opportunity_rules_run() == {"td7": 4, "gone": 0}


def test_overdue_sweep_notifies_the_branch_lead_once(world, lead01, lead02):
    rule(due_days=1)
    opportunity_rules_run()
    Notification.objects.all().delete()
    later = timezone.now() + timedelta(days=2)
    assert opportunities_overdue_sweep(now=later) == 4
    assert "3" in Notification.objects.get(recipient=lead01).title
    assert Notification.objects.filter(recipient=lead02).count() == 1
    assert opportunities_overdue_sweep(now=later + timedelta(hours=1)) == 0
    assert Notification.objects.count() == 2


def test_handover_moves_open_opportunities_only(world, rm01a, rm01b):
    rule()
    rule(code="c2", condition="td_maturing_days = 30")
    opportunity_rules_run()
    done = Opportunity.objects.get(customer=world["c2"])
    opportunity_complete(opportunity=done, by=rm01a, outcome="declined")
    assert opportunities_move(rm01a, rm01b) == {"opportunities": 1}
    assert Opportunity.objects.get(customer=world["c1"]).assignee == rm01b
    assert Opportunity.objects.get(customer=world["c2"]).assignee == rm01a


def test_command_runs_one_rule_or_all(world, capsys):
    rule()
    rule(code="dormant", condition="tag(沉睡客户)")
    call_command("run_opportunity_rules", "--rule", "dormant")
    assert "dormant: 2" in capsys.readouterr().out
    call_command("run_opportunity_rules")
    out = capsys.readouterr().out
    assert "td7: 4" in out and "dormant: 0" in out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_opportunity_rules", "--rule", "nope")


def test_as_of_date_is_not_needed_for_generation(world):
    # Only the latest wide record counts: an older record of C2 that matched is ignored.
    IndicatorValues.objects.create(
        customer=world["c2"], as_of=date(2026, 1, 1), values={"td_maturing_days": 1}, is_latest=False
    )
    rule()
    assert opportunity_rules_run() == {"td7": 4}


def test_nightly_generation_and_the_overdue_sweep_are_scheduled_and_their_tasks_run(world):
    from rm_portal.celery import app, app_schedules
    from rm_portal.opportunities.tasks import opportunities_overdue_run, opportunity_rules_run_all

    schedules = app_schedules()
    for name in ("opportunities-rules-run", "opportunities-overdue-sweep"):
        assert schedules[name]["task"] in app.tasks
    rule()
    assert opportunity_rules_run_all.delay().get() == {"td7": 4}
    assert opportunities_overdue_run.delay().get() == 0
