"""Conversations: the legal hold (handover moves are in `services.handover`)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from compliance.models import Conversation, LegalHoldChange


@transaction.atomic
def conversation_legal_hold_set(*, conversation: Conversation, hold: bool, by: User) -> Conversation:
    """Set or lift the hold; it keeps a conversation past retention. Every change leaves an
    append-only row saying who and when (the flag itself is not part of the evidence chain)."""
    Conversation.objects.filter(pk=conversation.pk).update(legal_hold=hold)
    LegalHoldChange.objects.create(conversation=conversation, hold=hold, by=by)
    conversation.legal_hold = hold
    return conversation
