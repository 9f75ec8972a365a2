"""The 下发 notice: after a generation run, one line per person saying what is new for them today.

"今日新增 5 条商机：大额定期3天内到期 2 条、生日关怀 2 条、证件两周内到期 1 条" — what arrived
today (the bank's day), by rule, biggest first; never the running total of everything still open
("您有 960 条新商机" told an RM nothing they could act on). A second run on the same day sends
the day's new total again, so the latest notice always reads right on its own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time

from django.contrib.auth.models import User
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.notifications.services import notify
from rm_portal.opportunities.models import Opportunity

RULES_NAMED = 3  # more than this and the line ends "等 N 类"


@dataclass
class NewToday:
    """One person's new opportunities of the day: rule name -> (count, priority)."""

    by_rule: dict[str, list[int]] = field(default_factory=dict)

    def add(self, name: str, n: int, priority: int) -> None:
        entry = self.by_rule.setdefault(name, [0, priority])
        entry[0] += n

    @property
    def total(self) -> int:
        return sum(n for n, _priority in self.by_rule.values())


def new_today_line(new: NewToday) -> str:
    """今日新增 5 条商机：A 2 条、B 2 条、C 1 条 (at most three rules named, then 等 N 类)."""
    rules = sorted(new.by_rule.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    named = "、".join(
        _("%(rule)s %(n)s 条") % {"rule": name, "n": n} for name, (n, _priority) in rules[:RULES_NAMED]
    )
    if len(rules) > RULES_NAMED:
        named += _("等 %(k)s 类") % {"k": len(rules)}
    return _("今日新增 %(n)s 条商机：%(rules)s") % {"n": new.total, "rules": named}


def _day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)


def opportunities_announce(*, now: datetime, leads: dict[int, list[User]]) -> int:
    """Notify everyone who got something in the run stamped `now`: assignees for their own, the
    branch's active leads for its ownerless queue. Returns how many people were told."""
    run = Opportunity.objects.filter(created_at=now)
    assignees = set(run.exclude(assignee=None).values_list("assignee_id", flat=True).distinct())
    queues = set(run.filter(assignee=None).values_list("branch_id", flat=True).distinct())
    if not assignees and not queues:
        return 0
    rows = (
        Opportunity.objects.filter(created_at__gte=_day_start(now), created_at__lte=now)
        .values("assignee_id", "branch_id", "rule__name")
        .annotate(n=Count("id"), priority=Max("rule__priority"))
        .order_by()
    )
    per_person: dict[int, NewToday] = defaultdict(NewToday)
    users: dict[int, User] = {}
    for row in rows:
        if row["assignee_id"] in assignees:
            per_person[row["assignee_id"]].add(row["rule__name"], row["n"], row["priority"])
        elif row["assignee_id"] is None and row["branch_id"] in queues:
            for lead in leads.get(row["branch_id"], []):
                per_person[lead.pk].add(row["rule__name"], row["n"], row["priority"])
                users[lead.pk] = lead
    users.update(User.objects.in_bulk([pk for pk in per_person if pk not in users]))
    link = reverse("opportunities:today")
    for pk, new in per_person.items():
        notify(
            recipients=[users[pk]],
            kind="opportunity",
            title=new_today_line(new)[:200],
            body=_("请在截止日前跟进并记录结果。"),
            link=link,
        )
    return len(per_person)
