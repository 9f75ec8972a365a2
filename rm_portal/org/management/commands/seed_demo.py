"""Fill the database with the demo data.

Each app that has demo data keeps it in its own `seed.py` with `ORDER` and
`seed(*, password, log)`; this command runs them in order, so a new app adds its
demo without touching anyone else's file. Every seeder is idempotent. With `--small`, a seeder
whose `seed` takes a `small` keyword is asked for a small demo (fast, for tests and quick looks).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

DEFAULT_PASSWORD = "rmportal-demo"  # noqa: S105  (the documented demo password, for seeded demos only)


def seeders() -> list[ModuleType]:
    """Our apps' `seed` modules, in their ORDER (then by name)."""
    found: list[tuple[int, str, ModuleType]] = []
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue  # third-party apps have no demo of ours
        name = f"{config.name}.seed"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        found.append((getattr(module, "ORDER", 50), name, module))
    return [module for _order, _name, module in sorted(found, key=lambda s: (s[0], s[1]))]


def takes_small(seed: Callable[..., object]) -> bool:
    parameters = inspect.signature(seed).parameters.values()
    return any(p.name == "small" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


class Command(BaseCommand):
    help = "Create the demo branches, people and data (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="one password for every demo login")
        parser.add_argument("--small", action="store_true", help="a small demo, where an app offers one")

    def handle(self, *args: object, password: str, small: bool = False, **options: object) -> None:
        if len(password) < 8:
            raise CommandError("--password must have at least 8 characters")
        for module in seeders():
            extra = {"small": True} if small and takes_small(module.seed) else {}
            with transaction.atomic():
                module.seed(password=password, log=self.stdout.write, **extra)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
