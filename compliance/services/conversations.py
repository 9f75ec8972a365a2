"""Conversations: the legal hold (handover moves are in `services.handover`)."""

from __future__ import annotations

from compliance.models import Conversation


def conversation_legal_hold_set(*, conversation: Conversation, hold: bool) -> Conversation:
    """Set or lift the hold; it keeps a conversation past retention and is not part of the evidence."""
    Conversation.objects.filter(pk=conversation.pk).update(legal_hold=hold)
    conversation.legal_hold = hold
    return conversation
