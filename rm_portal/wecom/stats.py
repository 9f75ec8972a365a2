"""How many WeChat users each RM, poster, branch and day brought in, and how many of them are
real bank customers (the verified add rate): reads for the contacts stats API and the charts.

A period's figures are of the adds made in it (the follow's `added_at`, in bank days): `bound` and
`lost` are what became of those adds — bound to a customer, or the customer removed the RM — so the
three figures and the rate describe one cohort. Follows that arrived by handover (`transfer`) are no
add anyone made and are left out. Set-based: a few grouped queries and one to name the groups,
whatever the number of rows (the totals are the groups' sums). The days before today are read from
the rollup once it is built (stats_rollup.py), today's from the follows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.models import Material
from rm_portal.org.access import role_of, scope
from rm_portal.org.models import Branch, Role
from rm_portal.wecom.models import (
    ContactFiguresPosterDay,
    ContactFiguresRmDay,
    ContactFiguresRmMonth,
    ContactFollow,
)
from rm_portal.wecom.stats_rollup import rollup_through

DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 366


def default_range(since: date | None, until: date | None) -> tuple[date, date]:
    """The last 30 bank days up to `until` (today by default)."""
    until = until or timezone.localdate()
    return since or until - timedelta(days=DEFAULT_RANGE_DAYS - 1), until


def range_error(since: date, until: date) -> str | None:
    """What is wrong with a range (the API and the page say the same), or None."""
    if since > until:
        return _("开始日期不能晚于结束日期")
    if (until - since).days >= MAX_RANGE_DAYS:
        return _("时间范围最多一年")
    return None


class Group(StrEnum):
    RM = "rm"
    POSTER = "poster"
    BRANCH = "branch"
    DAY = "day"


FIGURES: dict[str, Any] = {
    "adds": Count("id"),
    "bound": Count("id", filter=Q(customer__isnull=False)),
    "lost": Count("id", filter=Q(status=ContactFollow.Status.LOST)),
}


@dataclass(frozen=True)
class Figures:
    adds: int
    bound: int
    lost: int

    @property
    def verified_add_rate(self) -> float | None:
        """Bound / adds, rounded to 4 places; None when nothing was added (no rate, not 0 %)."""
        return round(self.bound / self.adds, 4) if self.adds else None

    @property
    def bound_percent(self) -> int:
        return round(100 * self.bound / self.adds) if self.adds else 0


@dataclass(frozen=True)
class Row(Figures):
    rm: User | None = None
    branch: Branch | None = None
    material: Material | None = None  # for `poster`: None is the row of adds not made through a poster
    day: date | None = None

    @property
    def label(self) -> str:
        if self.day is not None:
            return self.day.isoformat()
        if self.rm is not None:
            staff = getattr(self.rm, "staff", None)
            return staff.name if staff is not None and staff.name else self.rm.username
        if self.branch is not None:
            return self.branch.name
        return self.material.title if self.material is not None else ""


@dataclass(frozen=True)
class ContactStats:
    since: date
    until: date
    group: Group
    totals: Figures
    rows: list[Row]

    @property
    def widest(self) -> int:
        """The largest group's adds: the full length of a chart's bar."""
        return max((row.adds for row in self.rows), default=0)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def follows_added(*, user: User, since: date, until: date) -> QuerySet[ContactFollow]:
    """The adds the user sees (RM own, lead branch, head office all) made within the bank days."""
    return (
        scope(user, ContactFollow.objects.all())
        .filter(added_at__gte=day_start(since), added_at__lt=day_start(until + timedelta(days=1)))
        .exclude(source=ContactFollow.Source.TRANSFER)
    )


GROUP_KEYS = {Group.RM: "rm_id", Group.BRANCH: "rm__staff__branch_id", Group.POSTER: "material_id"}
SUMS: dict[str, Any] = {name: Sum(name) for name in ("adds", "bound", "lost")}


def _add(into: dict[Any, list[int]], grouped: Iterable[dict[str, Any]], key: str) -> None:
    for r in grouped:
        figures = into.setdefault(r[key], [0, 0, 0])
        figures[0] += r["adds"] or 0
        figures[1] += r["bound"] or 0
        figures[2] += r["lost"] or 0


def _months_within(since: date, last: date) -> tuple[date, date] | None:
    """The first days of the first and last whole calendar months within [since, last], if any."""
    first = since if since.day == 1 else (since.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = (last + timedelta(days=1)).replace(day=1)  # the month after the last whole one
    if first >= after:
        return None
    return first, (after - timedelta(days=1)).replace(day=1)


def _from_rollup(user: User, since: date, last: date, group: Group, into: dict[Any, list[int]]) -> None:
    if group is Group.RM or group is Group.BRANCH:
        key = GROUP_KEYS[group]
        days = Q(day__gte=since, day__lte=last)
        months = _months_within(since, last)
        if months is not None:
            first, final = months
            month_end = (final + timedelta(days=32)).replace(day=1)
            days = Q(day__gte=since, day__lt=first) | Q(day__gte=month_end, day__lte=last)
            in_months = ContactFiguresRmMonth.objects.filter(month__gte=first, month__lte=final)
            _add(into, scope(user, in_months).values(key).annotate(**SUMS).order_by(), key)
        in_days = scope(user, ContactFiguresRmDay.objects.filter(days))
        _add(into, in_days.values(key).annotate(**SUMS).order_by(), key)
        return
    key = "day" if group is Group.DAY else "material_id"
    posters = ContactFiguresPosterDay.objects.filter(day__gte=since, day__lte=last)
    _add(into, posters.values(key).annotate(**SUMS).order_by(), key)


def _figures(*, user: User, since: date, until: date, group: Group) -> dict[Any, list[int]]:
    """{group key: [adds, bound, lost]}: the rollup's days (stats_rollup) and the follows' after
    them. The per-poster and per-day rollup is of every RM's adds, so only head office reads it."""
    figures: dict[Any, list[int]] = {}
    through = rollup_through()
    readable = group in (Group.RM, Group.BRANCH) or role_of(user) == Role.HEAD_OFFICE
    live_since = since
    if through is not None and readable and since < through:
        _from_rollup(user, since, min(until, through - timedelta(days=1)), group, figures)
        live_since = through
    if live_since <= until:
        qs: QuerySet[Any, Any] = follows_added(user=user, since=live_since, until=until)
        if group is Group.DAY:
            qs = qs.annotate(day=TruncDate("added_at", tzinfo=timezone.get_default_timezone()))
        key = GROUP_KEYS.get(group, "day")
        _add(figures, qs.values(key).annotate(**FIGURES).order_by(), key)
    return figures


def _row(
    figures: list[int],
    *,
    rm: User | None = None,
    branch: Branch | None = None,
    material: Material | None = None,
    day: date | None = None,
) -> Row:
    return Row(figures[0], figures[1], figures[2], rm=rm, branch=branch, material=material, day=day)


def contact_stats(*, user: User, since: date, until: date, group: Group) -> ContactStats:
    figures = _figures(user=user, since=since, until=until, group=group)
    rows: list[Row]
    if group is Group.DAY:
        rows = [_row(figures[day], day=day) for day in sorted(figures)]
    elif group is Group.RM:
        # Only what a row shows: a thousand full User + Staff + Branch rows cost 5-10x as much to build.
        people = (
            User.objects.select_related("staff__branch")
            .only("id", "username", "staff__name", "staff__branch__code", "staff__branch__name")
            .in_bulk(list(figures))
        )
        rows = []
        for rm_id in sorted(figures, key=lambda k: (-figures[k][0], k)):
            person = people[rm_id]
            staff = getattr(person, "staff", None)
            rows.append(_row(figures[rm_id], rm=person, branch=staff.branch if staff is not None else None))
    elif group is Group.BRANCH:
        branches = Branch.objects.only("id", "code", "name").in_bulk([k for k in figures if k is not None])
        rows = [_row(value, branch=branches.get(key)) for key, value in figures.items()]
        rows.sort(key=lambda row: (-row.adds, row.branch.code if row.branch else ""))
    else:
        materials = Material.objects.only("id", "title").in_bulk([k for k in figures if k])
        order = sorted(figures, key=lambda k: (-figures[k][0], k is None, k or 0))  # no poster: last of a tie
        rows = [_row(figures[k], material=materials.get(k)) for k in order]
    # Every grouping partitions the adds (one RM, one branch, one poster or none, one day each), so
    # the totals are the rows' sums: no second pass over the table.
    totals = Figures(
        adds=sum(row.adds for row in rows),
        bound=sum(row.bound for row in rows),
        lost=sum(row.lost for row in rows),
    )
    return ContactStats(since=since, until=until, group=group, totals=totals, rows=rows)


def poster_adds(*, user: User, material_ids: list[int], rm: str = "") -> dict[int, Figures]:
    """All-time adds and verified adds through each poster's codes, over the follows the user sees
    (optionally one RM's)."""
    qs = scope(user, ContactFollow.objects.filter(material_id__in=material_ids))
    if rm:
        qs = qs.filter(rm__username=rm)
    grouped = (
        qs.exclude(source=ContactFollow.Source.TRANSFER).values("material_id").annotate(**FIGURES).order_by()
    )
    return {r["material_id"]: Figures(r["adds"], r["bound"], r["lost"]) for r in grouped}
