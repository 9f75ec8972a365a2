"""The contacts stats' rollup: the follows' figures per RM and bank day, per RM and month, and per
poster and day, rebuilt from the follows by a beat job so that head office's year of a million
follows is a sum over a few thousand rows (docs/decisions.md).

A rebuild covers the bank days before today, as the follows stand at that moment, in one
transaction (a reader sees the old rollup or the new, never half). The stats read the rollup for
those days and the follows for today onward, so today's adds count at once; what happens later
to an older add (bound, lost) shows at the next rebuild, WECOM_STATS_ROLLUP_SECONDS at most."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from rm_portal.wecom.models import (
    ContactFiguresBuild,
    ContactFiguresPosterDay,
    ContactFiguresRmDay,
    ContactFiguresRmMonth,
    ContactFollow,
)

FIGURE_NAMES = ("adds", "bound", "lost")


def _insert_select(model: type[Model], grouped: QuerySet[Any, Any]) -> None:
    """INSERT … SELECT in the database: a million follows never become Python objects."""
    query = grouped.query
    names = [*query.values_select, *query.annotation_select]
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(str(getattr(f, "column", ""))) for f in fields)
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) {sql}", params
        )


def contact_figures_rebuild(*, today: date | None = None) -> ContactFiguresBuild:
    """Rebuild the rollup of every bank day before `today` (the bank's today by default)."""
    from rm_portal.wecom.stats import FIGURES, day_start  # stats reads this module

    today = today or timezone.localdate()
    zone = timezone.get_default_timezone()
    started = time.perf_counter()
    with transaction.atomic():
        # One rebuild at a time: the second waits for the first's row, then rebuilds from its commit.
        build = ContactFiguresBuild.objects.select_for_update().filter(pk=1).first()
        adds = ContactFollow.objects.filter(added_at__lt=day_start(today)).exclude(
            source=ContactFollow.Source.TRANSFER
        )
        by_day = adds.annotate(day=TruncDate("added_at", tzinfo=zone))
        for model in (ContactFiguresRmDay, ContactFiguresRmMonth, ContactFiguresPosterDay):
            model.objects.all().delete()
        _insert_select(ContactFiguresRmDay, by_day.values("rm_id", "day").annotate(**FIGURES).order_by())
        months = ContactFiguresRmDay.objects.annotate(month=TruncMonth("day"))
        sums = {name: Sum(name) for name in FIGURE_NAMES}
        _insert_select(ContactFiguresRmMonth, months.values("rm_id", "month").annotate(**sums).order_by())
        _insert_select(
            ContactFiguresPosterDay, by_day.values("material_id", "day").annotate(**FIGURES).order_by()
        )
        seconds = time.perf_counter() - started
        if build is None:
            build = ContactFiguresBuild.objects.create(
                pk=1, through=today, built_at=timezone.now(), seconds=seconds
            )
        else:
            build.through, build.built_at, build.seconds = today, timezone.now(), seconds
            build.save()
    return build


def rollup_through() -> date | None:
    """The first bank day the rollup does not hold, or None before the first rebuild."""
    return ContactFiguresBuild.objects.filter(pk=1).values_list("through", flat=True).first()
