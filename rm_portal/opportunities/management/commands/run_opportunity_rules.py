from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rm_portal.opportunities.models import OpportunityRule
from rm_portal.opportunities.services.generation import opportunity_rules_run


class Command(BaseCommand):
    help = "Generate opportunities now: every active rule, or one with --rule CODE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", help="the code of one rule (run even if inactive)")

    def handle(self, *args: object, rule: str | None = None, **options: object) -> None:
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
