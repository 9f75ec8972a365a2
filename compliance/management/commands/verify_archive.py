from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.services.verify import archive_check


class Command(BaseCommand):
    help = (
        "Recompute the archive's keyed hash chains and compare them with the latest signed checkpoint; "
        "exit non-zero naming every tampered message or conversation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="recompute only the messages archived after the latest checkpoint",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = archive_check(incremental=options["incremental"])
        scope = f"since checkpoint {report.checkpoint}" if report.incremental else "full"
        anchor = f"checkpoint {report.checkpoint}" if report.checkpoint else "no checkpoint yet"
        self.stdout.write(
            f"{report.checked} messages checked ({scope}, against {anchor}) in {report.seconds:.2f} s: "
            f"{report.seconds_per_million:.1f} s per million messages"
        )
        if not report.findings:
            self.stdout.write(f"archive intact: {report.checked} messages checked")
            return
        for finding in report.findings:
            self.stderr.write(
                f"[{finding.kind}] conversation={finding.conversation_id} seq={finding.seq} "
                f"message={finding.message_id}: {finding.reason}"
            )
        first = report.findings[0]
        raise CommandError(
            f"archive tampered: {len(report.findings)} finding(s); first: [{first.kind}] "
            f"conversation={first.conversation_id} seq={first.seq} message={first.message_id}: {first.reason}"
        )
