"""The contacts stats' rollup (stats_rollup.py): the figures read from it are the live ones, for every
grouping, scope and range; today's adds count at once; the rebuild replaces, never adds up."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rm_portal.wecom import stats_rollup
from rm_portal.wecom.models import ContactFiguresRmDay, ContactFollow
from rm_portal.wecom.stats import Group, contact_stats
from tests.materials.factories import poster
from tests.wecom.factories import customer_of, follow

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


def figures(user, since: date, until: date, group: Group) -> list[tuple[object, int, int, int]]:
    stats = contact_stats(user=user, since=since, until=until, group=group)
    keyed = [
        (
            row.day
            or (row.rm.pk if row.rm else None)
            or (row.branch.pk if row.branch else None)
            or (row.material.pk if row.material else None),
            row.adds,
            row.bound,
            row.lost,
        )
        for row in stats.rows
    ]
    return [*keyed, ("totals", stats.totals.adds, stats.totals.bound, stats.totals.lost)]


@pytest.fixture
def random_follows(rm01a, rm01b, rm02a, hq_admin):
    """150 follows over the 100 days before TODAY and TODAY itself: random RMs, posters, bindings,
    losses, handovers and times of day (some near midnight, where the bank day matters)."""
    rng = random.Random(20261120)
    posters = [poster(hq_admin, title=f"海报{n}") for n in range(3)]
    customers = {rm.pk: [customer_of(rm, f"R{rm.pk}-{n}") for n in range(3)] for rm in (rm01a, rm01b, rm02a)}
    for _ in range(150):
        rm = rng.choice([rm01a, rm01b, rm02a])
        day = TODAY - timedelta(days=rng.randint(0, 100))
        hour, minute = rng.choice([(0, 1), (23, 59), (12, 0), (rng.randint(0, 23), rng.randint(0, 59))])
        follow(
            rm,
            f"{day.isoformat()} {hour:02d}:{minute:02d}",
            customer=rng.choice([None, None, *customers[rm.pk]]),
            status=rng.choice([ContactFollow.Status.ACTIVE] * 4 + [ContactFollow.Status.LOST]),
            material=rng.choice([None, None, *posters]),
            source=rng.choice([None] * 9 + [ContactFollow.Source.TRANSFER]),
        )
    return rng


def test_the_rollup_gives_the_live_figures_for_every_group_scope_and_range(
    random_follows, hq_admin, lead01, rm01a
):
    rng = random_follows
    ranges = [
        (TODAY - timedelta(days=365), TODAY),
        (TODAY - timedelta(days=29), TODAY),
        (date(2026, 9, 1), date(2026, 10, 31)),
    ]
    for _ in range(8):
        since = TODAY - timedelta(days=rng.randint(0, 110))
        ranges.append((since, min(TODAY, since + timedelta(days=rng.randint(0, 70)))))
    cases = [(user, s, u, g) for user in (hq_admin, lead01, rm01a) for s, u in ranges for g in Group]
    live = [figures(*case) for case in cases]
    assert any(len(f) > 3 for f in live)  # the data is not empty
    stats_rollup.contact_figures_rebuild(today=TODAY)
    assert ContactFiguresRmDay.objects.exists()
    assert [figures(*case) for case in cases] == live


def test_todays_adds_count_at_once_and_an_older_binding_at_the_next_rebuild(random_follows, hq_admin, rm01a):
    stats_rollup.contact_figures_rebuild(today=TODAY)
    since = TODAY - timedelta(days=60)
    before = contact_stats(user=hq_admin, since=since, until=TODAY, group=Group.RM).totals
    follow(rm01a, f"{TODAY.isoformat()} 09:00")
    old = follow(rm01a, f"{(TODAY - timedelta(days=10)).isoformat()} 09:00")
    after = contact_stats(user=hq_admin, since=since, until=TODAY, group=Group.RM).totals
    assert after.adds == before.adds + 1  # today's, from the follows; the older one waits for the rebuild
    ContactFollow.objects.filter(pk=old.pk).update(customer=customer_of(rm01a, "LATE"))
    stats_rollup.contact_figures_rebuild(today=TODAY)
    rebuilt = contact_stats(user=hq_admin, since=since, until=TODAY, group=Group.RM).totals
    assert (rebuilt.adds, rebuilt.bound) == (before.adds + 2, before.bound + 1)


def test_a_second_rebuild_replaces_the_first(random_follows, hq_admin):
    stats_rollup.contact_figures_rebuild(today=TODAY)
    first = figures(hq_admin, TODAY - timedelta(days=365), TODAY, Group.BRANCH)
    rows = ContactFiguresRmDay.objects.count()
    build = stats_rollup.contact_figures_rebuild(today=TODAY)
    assert figures(hq_admin, TODAY - timedelta(days=365), TODAY, Group.BRANCH) == first
    assert ContactFiguresRmDay.objects.count() == rows and build.through == TODAY
    assert stats_rollup.rollup_through() == TODAY


@pytest.mark.parametrize("group", list(Group))
def test_the_rollups_query_count_does_not_grow_with_the_rows(hq_admin, rm01a, rm02a, group):
    def count() -> int:
        stats_rollup.contact_figures_rebuild(today=TODAY)
        with CaptureQueriesContext(connection) as queries:
            contact_stats(user=hq_admin, since=TODAY - timedelta(days=365), until=TODAY, group=group)
        return len(queries)

    other = poster(hq_admin, title="开门红海报")
    follow(rm01a, "2026-10-02 10:00", material=other)
    few = count()
    for n in range(20):
        follow(
            rm01a if n % 2 else rm02a,
            f"2026-{8 + n % 4:02d}-1{n % 10} 10:00",
            material=other if n % 3 else None,
        )
    assert count() == few <= 5
