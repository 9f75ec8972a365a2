"""How many WeChat users each RM, poster, branch and day brought in, and how many of them are
real bank customers (the verified add rate): reads for the contacts stats API and the charts.

A period's figures are of the adds made in it (the follow's `added_at`, in bank days): `bound` and
`lost` are what became of those adds — bound to a customer, or the customer removed the RM — so the
three figures and the rate describe one cohort. Follows that arrived by handover (`transfer`) are no
add anyone made and are left out. Set-based: one grouped query and one to name the groups,
whatever the number of rows (the totals are the groups' sums)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.models import Material
from rm_portal.org.access import scope
from rm_portal.org.models import Branch
from rm_portal.wecom.models import ContactFollow

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


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def follows_added(*, user: User, since: date, until: date) -> QuerySet[ContactFollow]:
    """The adds the user sees (RM own, lead branch, head office all) made within the bank days."""
    return (
        scope(user, ContactFollow.objects.all())
        .filter(added_at__gte=_day_start(since), added_at__lt=_day_start(until + timedelta(days=1)))
        .exclude(source=ContactFollow.Source.TRANSFER)
    )


def _row(
    r: dict[str, Any],
    *,
    rm: User | None = None,
    branch: Branch | None = None,
    material: Material | None = None,
    day: date | None = None,
) -> Row:
    return Row(r["adds"], r["bound"], r["lost"], rm=rm, branch=branch, material=material, day=day)


def _grouped(qs: QuerySet[Any, Any], key: str, *order: str) -> list[dict[str, Any]]:
    return list(qs.values(key).annotate(**FIGURES).order_by(*order))


def contact_stats(*, user: User, since: date, until: date, group: Group) -> ContactStats:
    qs = follows_added(user=user, since=since, until=until)
    rows: list[Row]
    if group is Group.DAY:
        by_day = qs.annotate(day=TruncDate("added_at", tzinfo=timezone.get_default_timezone()))
        rows = [_row(r, day=r["day"]) for r in _grouped(by_day, "day", "day")]
    elif group is Group.RM:
        grouped = _grouped(qs, "rm_id", "-adds", "rm_id")
        # Only what a row shows: a thousand full User + Staff + Branch rows cost 5-10x as much to build.
        people = (
            User.objects.select_related("staff__branch")
            .only("id", "username", "staff__name", "staff__branch__code", "staff__branch__name")
            .in_bulk([r["rm_id"] for r in grouped])
        )
        rows = []
        for r in grouped:
            person = people[r["rm_id"]]
            staff = getattr(person, "staff", None)
            rows.append(_row(r, rm=person, branch=staff.branch if staff is not None else None))
    elif group is Group.BRANCH:
        grouped = _grouped(qs, "rm__staff__branch_id", "-adds")
        branches = Branch.objects.only("id", "code", "name").in_bulk(
            [r["rm__staff__branch_id"] for r in grouped]
        )
        rows = [_row(r, branch=branches.get(r["rm__staff__branch_id"])) for r in grouped]
        rows.sort(key=lambda row: (-row.adds, row.branch.code if row.branch else ""))
    else:
        grouped = _grouped(qs, "material_id", "-adds", "material_id")
        materials = Material.objects.only("id", "title").in_bulk(
            [r["material_id"] for r in grouped if r["material_id"]]
        )
        rows = [_row(r, material=materials.get(r["material_id"])) for r in grouped]
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
