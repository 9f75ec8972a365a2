"""Fill the database with the demo of DESIGN §6.

Each app that has demo data keeps it in its own `seed.py` with `ORDER` and
`seed(*, password, log)`; this command runs them in order, so a new app adds its
demo without touching anyone else's file. Every seeder is idempotent.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEFAULT_PASSWORD = "rmportal-demo"  # noqa: S105  (the documented demo password, for seeded demos only)


class Command(BaseCommand):
    help = "Create the demo branches, people and data (idempotent)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="one password for every demo login")

    def handle(self, *args: object, password: str, **options: object) -> None:
        if len(password) < 8:
            raise CommandError("--password must have at least 8 characters")
        seeders = []
        for config in apps.get_app_configs():
            if not config.path.startswith(str(settings.BASE_DIR)):
                continue  # third-party apps have no demo of ours
            name = f"{config.name}.seed"
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            seeders.append((getattr(module, "ORDER", 50), name, module))
        for _order, _name, module in sorted(seeders, key=lambda s: (s[0], s[1])):
            with transaction.atomic():
                module.seed(password=password, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
