"""The head-office CSV of checklist runs, for the API and the dashboard page alike."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.checklists import selectors
from rm_portal.core.csv_export import csv_lines


def _name(user: User) -> str:
    staff = getattr(user, "staff", None)
    return staff.name if staff else user.username


def runs_csv(*, user: User, since: date, until: date, branch: str = "") -> HttpResponse:
    runs = selectors.run_list(user=user, branch=branch).filter(date__gte=since, date__lte=until)
    header = [
        _("日期"), _("网点代码"), _("网点"), _("用户名"), _("姓名"), _("动作"), _("状态"),
        _("截止时间"), _("提交时间"), _("逾期"), _("已完成事项"), _("事项总数"),
    ]  # fmt: skip
    rows = (
        (
            run.date.isoformat(),
            run.branch.code,
            run.branch.name,
            run.assignee.username,
            _name(run.assignee),
            run.name,
            run.get_status_display(),
            timezone.localtime(run.due_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(run.submitted_at).strftime("%Y-%m-%d %H:%M") if run.submitted_at else "",
            _("是") if run.late else _("否"),
            run.items_done,  # type: ignore[attr-defined]  # annotated by run_list
            run.items_total,  # type: ignore[attr-defined]
        )
        for run in runs.iterator(chunk_size=2000)
    )
    response = HttpResponse(
        "".join(csv_lines(header, rows)).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="checklists-{since}-{until}.csv"'
    return response
