"""What moves when an RM leaves (离职继承). Each app registers a mover for its own data
(customers, open opportunities, conversations); the handover service runs them all in
one transaction, so nothing is left behind and no app needs to know the others.

A registration also says, before anything moves, what *would* move (`preview`: a count, a few
names, a fingerprint of exactly which rows), and how each of its keys reads for a person
(`labels`), so the lead confirms the very book the preview showed and the result is plain words.
An app whose work only starts once the database has moved (the WeCom transfer) adds `after`,
called with the handover's id after the transaction commits, and `progress`, which the handover
record shows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils.functional import Promise

SAMPLE_SIZE = 5

# (leaver, successor) -> {"what moved": count}
Mover = Callable[[User, User], dict[str, int]]


@dataclass(frozen=True)
class Preview:
    """What one key of a mover would move: how many, a few of them by name, and a fingerprint
    that changes whenever the set of rows changes (not only its size)."""

    count: int
    sample: list[str] = field(default_factory=list)
    fingerprint: str = ""


# (leaver, successor) -> {"key": Preview}; the keys are the ones the mover answers with.
Previewer = Callable[[User, User], dict[str, Preview]]
After = Callable[[int], None]


@dataclass(frozen=True)
class Followup:
    """Work a mover does after the commit (the WeCom transfer), as a handover record shows it:
    per status (key, words, how many), the failures in plain words, and a note (why it was
    skipped, or what is still awaited)."""

    label: str
    done: bool
    counts: list[tuple[str, str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    note: str = ""


# handover id -> its follow-up, or None when this mover has nothing after the commit for it.
Progress = Callable[[int], Followup | None]


@dataclass(frozen=True)
class MoverSpec:
    name: str
    mover: Mover
    preview: Previewer | None = None
    labels: Mapping[str, str | Promise] = field(default_factory=dict)
    after: After | None = None
    progress: Progress | None = None
    order: int = 100  # where its lines come in a preview and a result (customers first)


_MOVERS: dict[str, Mover] = {}
_SPECS: dict[str, MoverSpec] = {}


def register_mover(
    name: str,
    mover: Mover,
    *,
    preview: Previewer | None = None,
    labels: Mapping[str, str | Promise] | None = None,
    after: After | None = None,
    progress: Progress | None = None,
    order: int = 100,
) -> None:
    _MOVERS[name] = mover
    _SPECS[name] = MoverSpec(name, mover, preview, dict(labels or {}), after, progress, order)


def movers() -> dict[str, Mover]:
    return dict(_MOVERS)


def specs() -> list[MoverSpec]:
    """Every registration in a stable order (the order the preview and the result list them in).
    A mover registered only through the old `_MOVERS` dict (a test's) gets a bare spec."""
    found = [_SPECS.get(name) or MoverSpec(name, mover) for name, mover in _MOVERS.items()]
    return sorted(found, key=lambda spec: (spec.order, spec.name))


def followups(handover_id: int) -> list[Followup]:
    found = (spec.progress(handover_id) for spec in specs() if spec.progress is not None)
    return [followup for followup in found if followup is not None]


def in_order(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Counts in the registry's order (a JSON column on PostgreSQL does not keep the keys' order);
    a key no registration labels comes last, by name."""
    known = [key for spec in specs() for key in spec.labels if key in counts]
    return [(key, counts[key]) for key in known + sorted(set(counts) - set(known))]


def label_of(key: str) -> str:
    """The person's words for a result key; an unlabelled key is shown as itself."""
    for spec in _SPECS.values():
        if key in spec.labels:
            return str(spec.labels[key])
    return key


def fingerprint(ids: Iterable[object]) -> str:
    """A short digest of exactly which rows: the same rows give the same digest in any order."""
    digest = hashlib.sha256()
    for value in sorted(str(i) for i in ids):
        digest.update(value.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def preview_of(ids: list[int], names: list[str]) -> Preview:
    return Preview(count=len(ids), sample=names[:SAMPLE_SIZE], fingerprint=fingerprint(ids))
