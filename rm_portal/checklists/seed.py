"""Demo checklists: the 07:30 morning meeting, the evening review, the weekly visit list, and two
weeks of history (some late, rejected and missed) so the dashboards have something to show."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from rm_portal.checklists import services
from rm_portal.checklists.clock import local_moment, local_today
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunAudit
from rm_portal.org.models import Role, Staff

ORDER = 40

WORKDAYS = [1, 2, 3, 4, 5]
TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "晨会",
        "time_of_day": time(7, 30),
        "weekdays": WORKDAYS,
        "due_minutes": 60,
        "roles": [Role.RM],
        "items": [
            {"text": "晨会现场照片（全员合影或会场）", "requires_photo": True},
            {"text": "晨会纪要：今日重点产品、目标与分工", "requires_note": True},
            {"text": "查看今日到期客户与商机"},
        ],
    },
    {
        "name": "晚间复盘",
        "time_of_day": time(17, 30),
        "weekdays": WORKDAYS,
        "due_minutes": 90,
        "roles": [Role.RM],
        "items": [
            {"text": "今日拜访与成交复盘", "requires_note": True},
            {"text": "明日工作计划", "requires_note": True},
        ],
    },
    {
        "name": "每周客户拜访清单",
        "time_of_day": time(9, 0),
        "weekdays": [1],
        "due_minutes": 8 * 60,
        "roles": [Role.RM],
        "items": [
            {"text": "本周拜访客户名单（不少于 5 户）", "requires_note": True},
            {"text": "拜访现场照片", "requires_photo": True},
        ],
    },
    {
        # One per branch a day: whoever of the branch opens up does it, the lead answers for it.
        "name": "网点营业前安全检查",
        "time_of_day": time(8, 15),
        "weekdays": WORKDAYS,
        "due_minutes": 45,
        "roles": [Role.RM, Role.BRANCH_LEAD],
        "scope": ChecklistTemplate.Scope.BRANCH,
        "items": [
            {"text": "营业厅、金库门与监控检查照片", "requires_photo": True},
            {"text": "消防通道、灭火器与应急照明", "requires_note": True},
            {"text": "现金与重要空白凭证交接核对"},
        ],
    },
]
NOTES = ["重点推介三年期定存，目标 200 万", "复盘：拜访 6 户，成交 2 笔", "明日走访工业园区代发客户"]
REJECTIONS = ["照片看不清参会人员，请重拍", "纪要过于简单，请补充目标与分工"]


def demo_photo(taken_at: datetime, seed: int) -> bytes:
    """A small JPEG with a capture time in its EXIF, as a phone camera would write it."""
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (rng.randrange(120, 220), rng.randrange(120, 220), 200))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 280), rng.randrange(60, 200)
        draw.ellipse((x, y, x + 36, y + 36), fill=(90, 60, 50))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = timezone.localtime(taken_at).strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, exif=exif)
    return out.getvalue()


def _complete(
    run: ChecklistRun, at: datetime, rng: random.Random, *, auditor: User | None, photo_day_shift: int = 0
) -> None:
    # A branch run is done by whichever member of the branch is there: pick one per item. Not the
    # lead who audits it when anyone else can (nobody approves their own work).
    people = [User(pk=pk) for pk in services.run_people(run)] if run.per_branch else []
    others = [person for person in people if auditor is None or person.pk != auditor.pk]
    people = others or people
    for item in run.items.all():
        by = rng.choice(people) if people else run.assignee
        photo = None
        if item.requires_photo:
            photo = demo_photo(at - timedelta(days=photo_day_shift, minutes=5), seed=item.pk)
        note = rng.choice(NOTES) if item.requires_note else ""
        upload = ContentFile(photo, name="photo.jpg") if photo is not None else None
        services.item_complete(item=item, by=by, photo=upload, note=note, now=at)


def _history(run: ChecklistRun, index: int, leads: dict[int, User]) -> None:
    rng = random.Random(run.pk)
    start = local_moment(run.date, run.template.time_of_day)
    # Spread over 0..1 by the run's position, so every outcome appears whatever today is.
    roll = (index * 37 % 100) / 100
    if roll < 0.12:
        return  # left open: the day's end turns it into "missed"
    late = roll > 0.82
    at = run.due_at + timedelta(minutes=rng.randrange(10, 90)) if late else start + timedelta(minutes=20)
    lead = leads.get(run.branch_id)
    _complete(run, at, rng, auditor=lead, photo_day_shift=3 if 0.6 < roll < 0.63 else 0)
    own = lead is not None and (
        (run.assignee_id == lead.pk and not run.per_branch) or run.items.filter(completed_by=lead).exists()
    )
    if lead is None or own:
        return  # nobody else to audit it: it stays submitted
    run.refresh_from_db()
    if 0.12 <= roll < 0.2:
        services.run_audit(
            run=run, by=lead, verdict=RunAudit.Verdict.REJECTED, comment=rng.choice(REJECTIONS)
        )
    elif roll < 0.75:
        services.run_audit(run=run, by=lead, verdict=RunAudit.Verdict.APPROVED)


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    """Idempotent. `small`: 3 days of history instead of 14 (tests, a quick demo): the same shapes."""
    days = 3 if small else 14
    templates = []
    for spec in TEMPLATES:
        template = ChecklistTemplate.objects.filter(name=spec["name"]).first()
        if template is None:
            template = services.template_save(**spec)
        templates.append(template)
    today = local_today()
    for days_ago in range(days, 0, -1):
        for template in templates:
            services.runs_generate(template=template, on=today - timedelta(days=days_ago))
    leads = {
        staff.branch_id: staff.user
        for staff in Staff.objects.filter(role=Role.BRANCH_LEAD, active=True).select_related("user")
    }
    past = (
        ChecklistRun.objects.filter(
            status=ChecklistRun.Status.OPEN, date__lt=today, date__gte=today - timedelta(days=days)
        )
        .select_related("template", "assignee")
        .order_by("date", "id")
    )
    played = 0
    for index, run in enumerate(past):
        _history(run, index, leads)
        played += 1
    missed = services.runs_mark_missed(today=today)
    generated, reminded = services.day_generate(on=today)
    log(
        f"checklists: {len(templates)} templates, {played} past runs played ({missed} missed), "
        f"{generated} runs today, {reminded} reminders"
    )
