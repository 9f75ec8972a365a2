"""Triage: the list's sorts and filters (API and page), the today view's groups, and the 下发
notice that says what is new today."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from rm_portal.notifications.models import Notification
from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.notices import NewToday, new_today_line
from rm_portal.opportunities.services.generation import opportunity_rules_run
from rm_portal.opportunities.triage import triage_today
from tests.customers.factories import customer, indicators
from tests.opportunities.conftest import signed_in_client
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db
URL = "/api/v1/opportunities/"
BANK = ZoneInfo("Asia/Shanghai")


def _at_bank(hour: int, days: int = 0) -> datetime:
    today = timezone.localtime(timezone.now(), BANK).date()
    return datetime(today.year, today.month, today.day, hour, tzinfo=BANK) + timedelta(days=days)


@pytest.fixture
def desk(b01, b02, rm01a, rm02a):
    """rm01a's open opportunities, one of every triage group, plus one done and one of rm02a's.

    late    maintain, priority 50, due an hour ago, AUM 10k
    today   mine,     priority 40, due tonight 23:30 (or in 30 min after 23:00), AUM 900k
    big     maintain, priority 95, due in 5 days, AUM 50k
    soon    mine,     priority 30, due in 2 days, AUM 300k
    later   maintain, priority 20, due in 6 days, AUM 20k
    """
    indicators()
    now = timezone.now()
    rules = {
        "late": rule(code="r-late", name="1 晚了", priority=50),
        "today": rule(code="r-today", name="2 今日", kind="mine", priority=40),
        "big": rule(code="r-big", name="3 重要", priority=95),
        "soon": rule(code="r-soon", name="4 三日", kind="mine", priority=30),
        "later": rule(code="r-later", name="5 其他", priority=20),
    }
    tonight = _at_bank(23) + timedelta(minutes=30)
    due = {
        "late": now - timedelta(hours=1),
        "today": tonight if tonight > now + timedelta(minutes=5) else now + timedelta(minutes=30),
        "big": now + timedelta(days=5),
        "soon": _at_bank(12, days=2),
        "later": now + timedelta(days=6),
    }
    aum = {"late": 10_000, "today": 900_000, "big": 50_000, "soon": 300_000, "later": 20_000}
    made = {}
    for key in rules:
        c = customer(f"T-{key}", rm01a, b01, aum=Decimal(aum[key]))
        made[key] = Opportunity.objects.create(
            rule=rules[key], customer=c, assignee=rm01a, branch=b01, due_at=due[key], created_at=now
        )
    c = customer("T-done", rm01a, b01)
    made["done"] = Opportunity.objects.create(
        rule=rules["later"], customer=c, assignee=rm01a, branch=b01, status="done",
        outcome="contacted", due_at=now, completed_at=now,
    )  # fmt: skip
    other = customer("T-other", rm02a, b02)
    made["other"] = Opportunity.objects.create(
        rule=rules["late"], customer=other, assignee=rm02a, branch=b02, due_at=now - timedelta(days=1)
    )
    return made


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:400]
    return [row["id"] for row in response.json()["results"]]


def test_sorts(api, desk, rm01a):
    client = api(rm01a)
    d = desk
    assert ids(client.get(URL)) == [d[k].pk for k in ("late", "today", "soon", "big", "later")]
    assert ids(client.get(URL, {"sort": "due"})) == ids(client.get(URL))
    assert ids(client.get(URL, {"sort": "priority"})) == [
        d[k].pk for k in ("big", "late", "today", "soon", "later")
    ]
    assert ids(client.get(URL, {"sort": "aum"})) == [
        d[k].pk for k in ("today", "soon", "big", "later", "late")
    ]
    assert ids(client.get(URL, {"sort": "rule"})) == [
        d[k].pk for k in ("late", "today", "big", "soon", "later")
    ]


def test_filters(api, desk, rm01a):
    client = api(rm01a)
    d = desk
    assert ids(client.get(URL, {"kind": "mine"})) == [d["today"].pk, d["soon"].pk]
    assert ids(client.get(URL, {"kind": "maintain", "sort": "priority"})) == [
        d[k].pk for k in ("big", "late", "later")
    ]
    assert ids(client.get(URL, {"rule": "r-big"})) == [d["big"].pk]
    assert ids(client.get(URL, {"due": "today"})) == [d["today"].pk]
    assert ids(client.get(URL, {"due": "3d"})) == [d["today"].pk, d["soon"].pk]
    assert ids(client.get(URL, {"due": "7d"})) == [d[k].pk for k in ("today", "soon", "big", "later")]
    assert ids(client.get(URL, {"overdue": "true"})) == [d["late"].pk]
    assert ids(client.get(URL, {"overdue": "false", "kind": "maintain"})) == [d["big"].pk, d["later"].pk]
    assert ids(client.get(URL, {"status": "done"})) == [d["done"].pk]
    assert ids(client.get(URL, {"status": "done", "rule": "r-later"})) == [d["done"].pk]
    # another RM's row is never in the list, whatever the filter
    assert d["other"].pk not in ids(client.get(URL, {"rule": "r-late", "overdue": "true"}))


def test_lead_sees_the_branch_and_outside_roles_are_refused(api, desk, lead01, lead02, compliance, anon):
    d = desk
    assert set(ids(api(lead01).get(URL, {"overdue": "true"}))) == {d["late"].pk}
    assert ids(api(lead02).get(URL, {"overdue": "true"})) == [d["other"].pk]
    assert api(compliance).get(URL, {"sort": "aum"}).status_code == 403
    assert api(compliance).get(URL + "today/").status_code == 403
    assert anon.get(URL + "today/").status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "name"}, "sort"),
        ({"kind": "other"}, "kind"),
        ({"rule": "no-such-rule"}, "rule"),
        ({"rule": "空格 不行"}, "rule"),
        ({"rule": "x" * 65}, "rule"),
        ({"due": "30d"}, "due"),
        ({"overdue": "maybe"}, "overdue"),
        ({"status": "later"}, "status"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, desk, rm01a, params, field):
    r = api(rm01a).get(URL, params)
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert list(r.json()) == [field]


def test_today_groups_in_the_order_to_work_them(api, desk, rm01a, django_assert_max_num_queries):
    client = api(rm01a)
    with django_assert_max_num_queries(12):
        r = client.get(URL + "today/")
    assert r.status_code == 200
    groups = r.json()["groups"]
    assert [g["key"] for g in groups] == ["overdue", "due_today", "high_priority", "due_soon", "later"]
    d = desk
    got = {g["key"]: [row["id"] for row in g["results"]] for g in groups}
    assert got == {
        "overdue": [d["late"].pk],
        "due_today": [d["today"].pk],
        "high_priority": [d["big"].pk],
        "due_soon": [d["soon"].pk],
        "later": [d["later"].pk],
    }
    assert [g["count"] for g in groups] == [1, 1, 1, 1, 1]
    assert groups[0]["title"] == "已逾期" and groups[0]["link"] == {"overdue": "true"}
    # each group's link lists (at least) the group in the list endpoint
    for g in groups:
        assert set(got[g["key"]]) <= set(ids(client.get(URL, g["link"])))


def test_today_counts_every_row_but_shows_ten_and_the_query_count_is_flat(
    rm01a, b01, desk, django_assert_max_num_queries
):
    late = desk["late"].rule
    for i in range(25):
        c = customer(f"L{i}", rm01a, b01)
        Opportunity.objects.create(
            rule=late, customer=c, assignee=rm01a, branch=b01, due_at=timezone.now() - timedelta(hours=2 + i)
        )
    with django_assert_max_num_queries(7):  # the counts, one per group's rows, the scope's person
        groups = triage_today(user=rm01a)
    overdue = groups[0]
    assert overdue.count == 26 and len(overdue.results) == 10


# ---- pages ----------------------------------------------------------------------------------


def test_the_page_keeps_sort_and_filters_in_the_links(desk, rm01a, b01):
    for i in range(35):  # two pages of maintain opportunities
        c = customer(f"P{i}", rm01a, b01)
        Opportunity.objects.create(
            rule=desk["later"].rule, customer=c, assignee=rm01a, branch=b01,
            due_at=timezone.now() + timedelta(days=6, minutes=i),
        )  # fmt: skip
    client = signed_in_client(rm01a)
    html = client.get("/opportunities/", {"sort": "priority", "kind": "maintain"}).content.decode()
    assert 'data-testid="result-count">共 38 条' in html
    assert 'href="?status=open&amp;sort=priority&amp;kind=maintain&amp;page=2"' in html
    assert '<option value="priority" selected>' in html and '<option value="maintain" selected>' in html
    # the tabs keep the filters too
    assert "/opportunities/?status=overdue&amp;sort=priority&amp;kind=maintain" in html
    first = html.index(desk["big"].customer.cust_no)
    assert first < html.index(desk["late"].customer.cust_no)  # priority 95 before 50
    page2 = client.get(
        "/opportunities/", {"sort": "priority", "kind": "maintain", "page": 2}
    ).content.decode()
    assert "T-big" not in page2 and page2.count('data-testid="opportunity"') == 8


def test_the_page_ignores_a_bad_filter_with_a_message(desk, rm01a):
    client = signed_in_client(rm01a)
    r = client.get("/opportunities/", {"sort": "nope", "rule": "gone", "kind": "mine"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "已忽略无效的筛选条件：排序、规则" in html
    assert html.count('data-testid="opportunity"') == 2  # kind=mine still applies
    r = client.get("/opportunities/", {"status": "bogus"})
    assert r.status_code == 200 and "已忽略无效的筛选条件：状态" in r.content.decode()


def test_the_today_page_groups_and_roles(desk, rm01a, lead01, compliance):
    html = signed_in_client(rm01a).get("/opportunities/today/").content.decode()
    order = [
        html.index(f'data-testid="group-{key}"')
        for key in ("overdue", "due_today", "high_priority", "due_soon", "later")
    ]
    assert order == sorted(order)
    assert "T-other" not in html
    assert signed_in_client(lead01).get("/opportunities/today/").status_code == 200
    assert signed_in_client(compliance).get("/opportunities/today/").status_code == 403


# ---- the notice -------------------------------------------------------------------------------


def test_the_notice_line_names_the_biggest_rules_and_the_days_total():
    new = NewToday()
    for name, n, priority in [("甲", 1, 10), ("乙", 3, 10), ("丙", 2, 90), ("丁", 2, 10), ("戊", 1, 5)]:
        new.add(name, n, priority)
    assert new_today_line(new) == "今日新增 9 条商机：乙 3 条、丙 2 条、丁 2 条等 5 类"
    one = NewToday()
    one.add("生日关怀", 1, 40)
    assert new_today_line(one) == "今日新增 1 条商机：生日关怀 1 条"


def test_the_run_tells_each_rm_what_is_new_today_not_the_running_total(world, rm01a, lead01):
    # yesterday's open opportunity of rm01a stays open: it is not "new today"
    old_rule = rule(code="old", name="旧规则", condition="td_maturing_days <= 100")
    opportunity_rules_run(rules=[old_rule], now=timezone.now() - timedelta(days=2))
    Notification.objects.all().delete()
    rule(code="td7", name="定期到期")
    rule(code="dormant", name="沉睡唤醒", condition="tag(沉睡客户)")
    opportunity_rules_run()
    note = Notification.objects.get(recipient=rm01a)
    # C1 matches both, C2 neither; the old rule's two rows are not counted
    assert note.title == "今日新增 2 条商机：定期到期 1 条、沉睡唤醒 1 条"
    assert note.link == "/opportunities/today/"
    lead_note = Notification.objects.get(recipient=lead01)
    assert lead_note.title == "今日新增 1 条商机：定期到期 1 条"  # C5, ownerless
