"""GET /api/v1/contacts/stats/: figures from known rows, per grouping and per person's scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rm_portal.wecom.models import ContactFollow
from tests.materials.factories import poster
from tests.wecom.factories import customer_of, follow

pytestmark = pytest.mark.django_db
URL = "/api/v1/contacts/stats/"
LOST = ContactFollow.Status.LOST
RANGE = "since=2026-11-10&until=2026-11-11"


@pytest.fixture
def rows(rm01a, rm01b, rm02a, hq_admin):
    """rm01a (B01): 3 adds on the 10th (1 bound, 1 lost) and 1 through the poster on the 11th (bound);
    rm01b (B01): 2 adds on the 11th, one through the poster, the other at 23:30 bank time;
    rm02a (B02): 1 bound add on the 10th. Outside the figures: a handover, and adds before and after."""
    p = poster(hq_admin)
    follow(rm01a, "2026-11-10 09:00", customer=customer_of(rm01a, "C1"))
    follow(rm01a, "2026-11-10 10:00", status=LOST)
    follow(rm01a, "2026-11-10 00:05")
    follow(rm01a, "2026-11-11 12:00", material=p, customer=customer_of(rm01a, "C2"))
    follow(rm01b, "2026-11-11 08:00", material=p)
    follow(rm01b, "2026-11-11 23:30")
    follow(rm02a, "2026-11-10 15:00", customer=customer_of(rm02a, "C3"))
    follow(rm01a, "2026-11-10 11:00", source=ContactFollow.Source.TRANSFER)
    follow(rm01a, "2026-11-09 23:59")
    follow(rm01b, "2026-11-12 00:00")
    return p


def get(api, user, params: str):
    return api(user).get(f"{URL}?{params}")


def figures(adds, bound, lost):
    return {"adds": adds, "bound": bound, "lost": lost, "verified_add_rate": round(bound / adds, 4)}


def test_head_office_sees_every_rm_with_their_branch(api, hq_admin, rows):
    r = get(api, hq_admin, f"{RANGE}&group=rm")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["since"], body["until"], body["group"]) == ("2026-11-10", "2026-11-11", "rm")
    assert body["totals"] == figures(7, 3, 1)
    assert body["rows"] == [
        {
            **figures(4, 2, 1),
            "rm": {"username": "rm01a", "display_name": "张晓明"},
            "branch": {"code": "B01", "name": "城东支行"},
        },
        {
            **figures(2, 0, 0),
            "rm": {"username": "rm01b", "display_name": "陈静"},
            "branch": body["rows"][1]["branch"],
        },
        {
            **figures(1, 1, 0),
            "rm": {"username": "rm02a", "display_name": "刘洋"},
            "branch": {"code": "B02", "name": "城西支行"},
        },
    ]
    assert body["rows"][1]["verified_add_rate"] == 0.0


def test_a_lead_sees_their_branch_and_an_rm_only_themselves(api, lead01, rm01b, rows):
    lead = get(api, lead01, f"{RANGE}&group=rm").json()
    assert [row["rm"]["username"] for row in lead["rows"]] == ["rm01a", "rm01b"]
    assert lead["totals"] == figures(6, 2, 1)
    own = get(api, rm01b, f"{RANGE}&group=rm").json()
    assert [row["rm"]["username"] for row in own["rows"]] == ["rm01b"]
    assert own["totals"] == figures(2, 0, 0)


def test_per_poster_the_posters_adds_and_the_rest(api, lead01, rows):
    body = get(api, lead01, f"{RANGE}&group=poster").json()
    assert body["rows"] == [
        {**figures(4, 1, 1), "material": None},
        {**figures(2, 1, 0), "material": {"id": rows.pk, "title": "新春理财节海报"}},
    ]


def test_per_branch(api, hq_admin, rows):
    body = get(api, hq_admin, f"{RANGE}&group=branch").json()
    assert body["rows"] == [
        {**figures(6, 2, 1), "branch": {"code": "B01", "name": "城东支行"}},
        {**figures(1, 1, 0), "branch": {"code": "B02", "name": "城西支行"}},
    ]


def test_per_day_in_the_banks_days(api, hq_admin, rows):
    """00:05 and 23:30 bank time are the bank's 10th and 11th, though UTC calls them the 9th and 11th."""
    body = get(api, hq_admin, f"{RANGE}&group=day").json()
    assert body["rows"] == [
        {**figures(4, 2, 1), "day": "2026-11-10"},
        {**figures(3, 1, 0), "day": "2026-11-11"},
    ]


def test_no_adds_is_no_rate_rather_than_zero(api, rm01a):
    body = get(api, rm01a, "since=2026-01-01&until=2026-01-31").json()
    assert body["totals"] == {"adds": 0, "bound": 0, "lost": 0, "verified_add_rate": None}
    assert body["rows"] == []


@pytest.mark.parametrize("group", ["rm", "poster", "branch", "day"])
def test_the_query_count_does_not_grow_with_the_rows(api, hq_admin, rm01a, rm02a, rows, group):
    client = api(hq_admin)
    client.get(f"{URL}?{RANGE}&group={group}")  # the token's own queries warm up
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{URL}?{RANGE}&group={group}").status_code == 200
    other = poster(hq_admin, title="开门红海报")
    for n in range(12):
        follow(rm01a if n % 2 else rm02a, f"2026-11-1{n % 2} 1{n % 10}:00", material=other if n % 3 else None)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"{URL}?{RANGE}&group={group}").status_code == 200
    assert len(many) == len(few)


def test_compliance_is_refused_and_anonymous_asked_to_log_in(api, anon, compliance, rows):
    assert get(api, compliance, RANGE).status_code == 403
    assert anon.get(f"{URL}?{RANGE}").status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ("since=2026-11-12&until=2026-11-11", "since"),
        ("since=2025-01-01&until=2026-11-11", "since"),
        ("since=1999-12-31&until=2000-01-05", "since"),
        ("until=9999-12-31", "until"),
        ("since=11/10/2026", "since"),
        ("group=customer", "group"),
    ],
)
def test_bad_ranges_and_groupings_are_a_400_naming_the_parameter(api, hq_admin, params, field):
    r = get(api, hq_admin, params)
    assert r.status_code == 400
    assert field in r.json()


def test_the_default_is_the_last_30_bank_days_per_rm(api, rm01a):
    from django.utils import timezone

    body = get(api, rm01a, "").json()
    today = timezone.localdate()
    assert body["until"] == today.isoformat()
    assert (today - __import__("datetime").date.fromisoformat(body["since"])).days == 29
    assert body["group"] == "rm"


def test_the_poster_stats_show_adds_and_verified_adds_beside_views(api, client, rm01a, lead01, rows):
    from materials.services.shares import poster_token

    poster_token(rm=rm01a, material=rows)
    poster_token(rm=rm01a.__class__.objects.get(username="rm01b"), material=rows)
    lead = api(lead01).get("/api/v1/shares/stats/").json()["results"]
    assert [(r["material"]["id"], r["adds"], r["verified_adds"]) for r in lead] == [(rows.pk, 2, 1)]
    own = api(lead01).get("/api/v1/shares/stats/?rm=rm01b").json()["results"]
    assert [(r["adds"], r["verified_adds"]) for r in own] == [(1, 0)]
    client.force_login(lead01)
    page = client.get("/materials/stats/").content.decode()
    assert 'data-testid="total-adds">2<' in page and 'data-testid="total-verified">1<' in page


@pytest.mark.postgres
def test_postgres_plans_the_per_day_stats_as_a_hash_of_bank_days(rm01a):
    """The migration's statistics tell the planner how many bank days the follows hold; without
    them it sorted every row of the range on disk (bench/wecom_bench.py)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.conftest import need

    need(connection.vendor == "postgresql", "planner statistics are PostgreSQL's")
    start = timezone.localdate() - timedelta(days=60)
    for n in range(600):
        follow(rm01a, f"{start + timedelta(days=n % 60):%Y-%m-%d} {n % 24:02d}:00")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wecom_contactfollow")
        cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxname = 'wecom_contactfollow_bank_day'")
        assert cursor.fetchall() == [("wecom_contactfollow_bank_day",)]
        cursor.execute(
            "EXPLAIN SELECT (added_at AT TIME ZONE %s)::date, count(*) FROM wecom_contactfollow GROUP BY 1",
            [str(timezone.get_default_timezone())],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    estimate = int(plan.split("rows=")[1].split()[0])
    assert estimate <= 120, plan  # about the 60 days there are, not one group per row
