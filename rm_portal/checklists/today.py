"""The checklist card on the Today page: my runs of the day, and for a lead what waits for audit."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from rm_portal.checklists import selectors
from rm_portal.checklists.clock import local_today
from rm_portal.checklists.models import ChecklistRun
from rm_portal.org.access import scope
from rm_portal.org.models import Role
from rm_portal.web.today import Card, provides


@provides
def card(user: User, role: str) -> Card | None:
    today = local_today()
    runs = list(selectors.my_runs(user=user, on=today))
    waiting = 0
    not_done: list[selectors.NotDone] = []
    if role == Role.BRANCH_LEAD:
        waiting = scope(user, ChecklistRun.objects.filter(status=ChecklistRun.Status.SUBMITTED)).count()
        not_done = selectors.not_done_today(user=user, on=today)
    if not runs and not waiting and not not_done:
        return None
    now = timezone.now()
    rows = [
        {
            "run": run,
            "done": sum(item.done for item in run.items.all()),
            "total": len(run.items.all()),
            "overdue": run.is_overdue(now),
        }
        for run in runs
    ]
    context = {"rows": rows, "waiting": waiting, "not_done": not_done}
    return Card("checklists/_today_card.html", context, order=20)
