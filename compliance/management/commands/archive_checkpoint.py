from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from compliance.services.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = "Sign every conversation's chain head and append the checkpoint to its append-only storage."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_write(reason="manual")
        body = checkpoint.body
        self.stdout.write(
            f"checkpoint {body['number']}: {len(body['conversations'])} conversations, "
            f"{body['messages']} messages, root {body['root'][:16]}…"
        )
