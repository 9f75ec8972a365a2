"""Checklists at a bank's size: the day's runs and reminders for 1,500 staff in 100 branches,
the late sweep that tells each branch lead who missed, a second (idempotent) tick, and the
proof-photo pipeline per image.

Runs on a fresh embedded SQLite database under a temporary directory unless DATABASE_URL is
set. Prints seconds, queries issued and ratios; never asserts.

    .venv/bin/python bench/checklists_bench.py [--staff 1500] [--branches 100] [--photos 20]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(tmp: str) -> None:
    os.environ.setdefault("RM_VAR_DIR", tmp)
    os.environ.setdefault("RM_BROKER_DIR", str(Path(tmp) / "broker"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()  # var/ and the embedded secret key, as manage.py does
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def people(staff: int, branches: int) -> None:
    from django.contrib.auth.models import User

    from rm_portal.org.models import Branch, Role, Staff

    Branch.objects.bulk_create([Branch(code=f"X{n:03d}", name=f"压测支行{n:03d}") for n in range(branches)])
    branch_ids = list(Branch.objects.filter(code__startswith="X").values_list("id", flat=True))
    leads = len(branch_ids)
    users = User.objects.bulk_create(
        [User(username=f"bench{n:05d}", password="!") for n in range(staff)], batch_size=1000
    )
    Staff.objects.bulk_create(
        [
            Staff(
                user=user,
                role=Role.BRANCH_LEAD if n < leads else Role.RM,
                branch_id=branch_ids[n % leads],
                employee_no=f"BX{n:05d}",
                name=f"员工{n:05d}",
            )
            for n, user in enumerate(users)
        ],
        batch_size=1000,
    )


def measured(label: str, func, rows: list):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
    rows.append((label, seconds, len(ctx.captured_queries), result))
    return result


def photo_bench(count: int) -> list[float]:
    from PIL import Image, ImageDraw

    from rm_portal.checklists.photos import photo_process

    image = Image.new("RGB", (4032, 3024), (180, 120, 90))
    draw = ImageDraw.Draw(image)
    for n in range(0, 4032, 96):  # some detail, so the encoder has work like a real photo
        draw.line((n, 0, 4032 - n, 3024), fill=(n % 255, 80, 160), width=7)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:11:24 07:35:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif)
    data = buffer.getvalue()
    print(f"photo: 4032x3024 JPEG, {len(data) / 1024 / 1024:.1f} MB, with GPS and capture time")
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        photo_process(data)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=1500)
    parser.add_argument("--branches", type=int, default=100)
    parser.add_argument("--photos", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="checklists-bench-") as tmp:
        setup(tmp)
        from datetime import time as clock

        import time_machine

        from rm_portal.checklists import services
        from rm_portal.checklists.models import ChecklistRun, RunItem
        from rm_portal.notifications.models import Notification
        from rm_portal.org.models import Role

        people(args.staff, args.branches)
        services.template_save(
            name="晨会",
            time_of_day=clock(7, 30),
            weekdays=[1, 2, 3, 4, 5, 6, 7],
            due_minutes=30,
            roles=[Role.RM, Role.BRANCH_LEAD],
            skip_holidays=False,
            items=[
                {"text": "晨会照片", "requires_photo": True},
                {"text": "晨会纪要", "requires_note": True},
                {"text": "查看今日商机"},
            ],
        )
        rows: list = []
        with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=UTC), tick=False):  # 07:30 Shanghai
            measured("07:30 tick: generate + remind", services.checklists_tick, rows)
            measured("second tick (idempotent)", services.checklists_tick, rows)
        with time_machine.travel(datetime(2026, 11, 24, 0, 1, tzinfo=UTC), tick=False):  # 08:01
            measured("08:01 tick: late reminders + leads told", services.checklists_tick, rows)
        runs = ChecklistRun.objects.count()
        print(
            f"staff {args.staff} in {args.branches} branches → {runs} runs, {RunItem.objects.count()} items, "
            f"{Notification.objects.count()} notifications"
        )
        print(f"{'step':44} {'seconds':>8} {'queries':>8} {'queries/person':>15}")
        for label, seconds, queries, _result in rows:
            print(f"{label:44} {seconds:8.2f} {queries:8d} {queries / max(runs, 1):15.4f}")
        timings = photo_bench(args.photos)
        print(
            f"photo processing over {len(timings)} images: p50 {statistics.median(timings):.0f} ms, "
            f"max {max(timings):.0f} ms"
        )


if __name__ == "__main__":
    main()
