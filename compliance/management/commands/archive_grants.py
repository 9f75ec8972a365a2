from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from compliance.grants import grant_statements


class Command(BaseCommand):
    help = (
        "PostgreSQL: give the application's role INSERT/SELECT only on the archive tables (run as the "
        "role that owns the tables, after every migrate). --print shows the SQL instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role the application connects as (not the owner)")
        parser.add_argument("--create", action="store_true", help="create the role (LOGIN, no password)")
        parser.add_argument("--print", action="store_true", dest="show", help="print the SQL only")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("archive_grants is for PostgreSQL; the embedded SQLite has no roles")
        role = options["role"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            (owner,) = cursor.fetchone()
        if role == owner:
            raise CommandError(
                f"{role} runs the migrations and owns the tables: give the application another role"
            )
        statements = grant_statements(role, create=options["create"])
        raw = connection.connection
        if options["show"]:
            for statement in statements:
                self.stdout.write(statement.as_string(raw) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.as_string(raw))
        self.stdout.write(f"{role}: INSERT/SELECT only on the archive tables; {owner} keeps ownership")
