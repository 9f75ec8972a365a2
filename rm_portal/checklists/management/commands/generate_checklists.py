from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rm_portal.checklists.clock import local_today
from rm_portal.checklists.services import day_generate


class Command(BaseCommand):
    help = "Create the checklist runs of a day (idempotent: a rerun creates nothing twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD in the bank's time zone (default: today)")

    def handle(self, *args: object, date: str | None = None, **options: object) -> None:
        try:
            on = _parse(date) if date else local_today()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        generated, reminded = day_generate(on=on)
        self.stdout.write(f"{on}: {generated} runs created, {reminded} reminders sent")


def _parse(value: str) -> date:
    return date.fromisoformat(value)
