"""The Today page is a column of cards; each app contributes the cards for its work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User


@dataclass(frozen=True)
class Card:
    template: str
    context: dict
    order: int = 50


CardProvider = Callable[[User, str], "Card | None"]
_PROVIDERS: list[CardProvider] = []


def provides(func: CardProvider) -> CardProvider:
    _PROVIDERS.append(func)
    return func


def cards_for(user: User, role: str) -> list[Card]:
    cards = [card for provider in _PROVIDERS if (card := provider(user, role)) is not None]
    return sorted(cards, key=lambda c: c.order)
