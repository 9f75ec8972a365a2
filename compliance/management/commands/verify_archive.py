from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.models import Message
from compliance.services.chain import archive_verify


class Command(BaseCommand):
    help = "Recompute every conversation's hash chain; exit non-zero at the first break."

    def handle(self, *args: object, **options: object) -> None:
        checked, broken = archive_verify()
        if broken is None:
            self.stdout.write(f"archive intact: {checked} messages checked")
            return
        detail = ""
        if broken.message_id:
            message = Message.objects.filter(pk=broken.message_id).first()
            if message:
                detail = f" channel={message.channel} external_id={message.external_id}"
        raise CommandError(
            f"archive chain broken: conversation={broken.conversation_id} seq={broken.seq} "
            f"message={broken.message_id}{detail}: {broken.reason}"
        )
