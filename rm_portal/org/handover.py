"""What moves when an RM leaves (离职继承). Each app registers a mover for its own data
(customers, open opportunities, conversations); the handover service runs them all in
one transaction, so nothing is left behind and no app needs to know the others."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User

# (leaver, successor) -> {"what moved": count}
Mover = Callable[[User, User], dict[str, int]]
_MOVERS: dict[str, Mover] = {}


def register_mover(name: str, mover: Mover) -> None:
    _MOVERS[name] = mover


def movers() -> dict[str, Mover]:
    return dict(_MOVERS)
