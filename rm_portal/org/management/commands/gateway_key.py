"""Issue the chat gateway's API key (replacing the old one) and print it once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rm_portal.org.models import Role, Staff
from rm_portal.org.tokens import gateway_key_issue


class Command(BaseCommand):
    help = "Issue a new API key for the chat gateway's account (the old key stops working) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="gateway", help="the gateway account (role gateway)")

    def handle(self, *args: object, username: str, **options: object) -> None:
        staff = Staff.objects.select_related("user").filter(user__username=username).first()
        if staff is None or staff.role != Role.GATEWAY or not staff.active:
            raise CommandError(f"{username!r} is not an active account with the gateway role")
        key = gateway_key_issue(staff=staff)
        self.stderr.write("Send it as `Authorization: Token <key>`; it is shown only this once.")
        self.stdout.write(key)
