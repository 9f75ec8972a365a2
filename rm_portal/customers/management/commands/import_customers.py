"""`manage.py import_customers PATH [--as-of YYYY-MM-DD] [--no-recompute]`: the same import as the upload."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rm_portal.core.errors import DomainError
from rm_portal.customers.services.imports import customers_import, max_import_bytes
from rm_portal.customers.services.tags import tags_recompute


class Command(BaseCommand):
    help = "Import the indicator wide table from a CSV file (UTF-8 or GBK), then recompute tags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="data date, default today")
        parser.add_argument("--no-recompute", action="store_true", help="skip the tag recompute")

    def handle(
        self, *args: object, path: str, as_of: date | None, no_recompute: bool, **options: object
    ) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no such file: {path}")
        if file.stat().st_size > max_import_bytes():
            raise CommandError(f"file larger than {max_import_bytes() // (1024 * 1024)} MB")
        try:
            result = customers_import(raw=file.read_bytes(), as_of=as_of)
        except DomainError as refused:
            raise CommandError(str(refused)) from refused
        for error in result["errors"]:
            self.stderr.write(f"row {error['row']} {error['cust_no']}: {error['detail']}")
        self.stdout.write(
            f"rows {result['rows']}, created {result['created']}, updated {result['updated']}, "
            f"unchanged {result['unchanged']}, failed {result['failed']}"
        )
        if not no_recompute:
            changes = tags_recompute()
            added = sum(c["added"] for c in changes.values())
            removed = sum(c["removed"] for c in changes.values())
            self.stdout.write(f"tags recomputed: {len(changes)} tags, +{added} −{removed}")
