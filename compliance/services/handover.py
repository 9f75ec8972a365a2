"""Handover mover: conversations follow the customers to the successor.

Ownership lives on Conversation (`rm`, `branch`), not on the chained messages, so moving a
conversation edits no evidence; every move leaves an OwnershipChange row (append-only), which
is the ownership history."""

from __future__ import annotations

from django.contrib.auth.models import User

from compliance.models import Channel, Conversation, OwnershipChange
from rm_portal.org.handover import SAMPLE_SIZE, Preview, preview_of


def conversations_preview(leaver: User, successor: User) -> dict[str, Preview]:
    rows = list(
        Conversation.objects.filter(rm=leaver).order_by("-pk").values_list("pk", "customer__name", "contact")
    )
    names = [customer or contact for _pk, customer, contact in rows[:SAMPLE_SIZE]]
    return {"conversations": preview_of([pk for pk, _c, _x in rows], names)}


def conversations_move(leaver: User, successor: User) -> dict[str, int]:
    ids = list(Conversation.objects.filter(rm=leaver).values_list("pk", flat=True))
    if not ids:
        return {"conversations": 0}
    OwnershipChange.objects.bulk_create(
        [OwnershipChange(conversation_id=pk, from_rm=leaver, to_rm=successor) for pk in ids]
    )
    Conversation.objects.filter(pk__in=ids).update(rm=successor, branch_id=successor.staff.branch_id)
    return {"conversations": len(ids)}


def contact_conversations_move(*, contact: str, leaver: User, successor: User) -> int:
    """A WeCom relationship moved to the successor (its transfer succeeded): the contact's WeCom
    conversations the leaver still owns (archived since the handover, the leaver serving on
    in-job) follow it, with their ownership rows. Returns how many of the contact's WeCom
    conversations the successor now holds: its whole history stays readable where it went."""
    ids = list(
        Conversation.objects.filter(channel=Channel.WECOM, contact=contact, rm=leaver).values_list(
            "pk", flat=True
        )
    )
    if ids:
        OwnershipChange.objects.bulk_create(
            [OwnershipChange(conversation_id=pk, from_rm=leaver, to_rm=successor) for pk in ids]
        )
        Conversation.objects.filter(pk__in=ids).update(rm=successor, branch_id=successor.staff.branch_id)
    return Conversation.objects.filter(channel=Channel.WECOM, contact=contact, rm=successor).count()
