from __future__ import annotations

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rm_portal.opportunities.models import OpportunityRule
from rm_portal.opportunities.services.generation import opportunity_rules_run
from rm_portal.opportunities.services.split import opportunity_rules_run_split


class Command(BaseCommand):
    help = (
        "Generate opportunities now: every active rule, or one with --rule CODE; "
        "--parts N --owner USERNAME splits the run by customer-id range across the Celery workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", help="the code of one rule (run even if inactive)")
        parser.add_argument("--parts", type=int, default=0, help="split into N customer-id ranges (tasks)")
        parser.add_argument("--owner", help="the user who owns the split run's job")

    def handle(
        self,
        *args: object,
        rule: str | None = None,
        parts: int = 0,
        owner: str | None = None,
        **options: object,
    ) -> None:
        if parts:
            if parts < 1 or not owner:
                raise CommandError("--parts needs a positive N and --owner USERNAME")
            user = User.objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"no user {owner!r}")
            job = opportunity_rules_run_split(owner=user, parts=parts, codes=[rule] if rule else ())
            self.stdout.write(self.style.SUCCESS(f"queued job {job.pk} in {job.total} parts"))
            return
        if rule:
            chosen = list(OpportunityRule.objects.filter(code=rule))
            if not chosen:
                raise CommandError(f"no opportunity rule {rule!r}")
        else:
            chosen = list(OpportunityRule.objects.filter(active=True))
        created = opportunity_rules_run(rules=chosen)
        for code, n in created.items():
            self.stdout.write(f"{code}: {n}")
        self.stdout.write(self.style.SUCCESS(f"created {sum(created.values())}"))
