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
    if role == Role.BRANCH_LEAD:
        waiting = scope(user, ChecklistRun.objects.filter(status=ChecklistRun.Status.SUBMITTED)).count()
    if not runs and not waiting:
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
    return Card("checklists/_today_card.html", {"rows": rows, "waiting": waiting}, order=20)
