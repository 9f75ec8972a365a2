"""Where each compact character came from, and what was deleted before it (the gap rules).

Built only for a message that has a candidate. Gaps are counted in user-perceived characters
(grapheme clusters, `regex`'s \\X: a ZWJ family emoji or a flag is one); invisible characters
count nothing; a run of the same cluster counts once (several spaces, a row of dots, several
line breaks). Bounds between two characters of a term: at most MAX_GAP such units and at most
MAX_GAP_CHARS visible characters however they group.

Clause rule: a term does not run across a clause end (。！？；. … or a line break) — 参加。微信 is
not 加微信 — unless EVERY pair of its neighbouring characters is separated (加，微。信, 保\\n本),
which is someone spelling the term out, not two clauses meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

import regex

from compliance.matching.folding import CLAUSE_BREAKS, match_tables

MAX_GAP = 3
MAX_GAP_CHARS = 32
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Layout:
    packed: str
    positions: Sequence[int]  # compact index → original index
    # Prefix counts over compact characters (index i+1 counts characters 0..i), or None when
    # nothing was deleted: gaps wider than the bounds, gaps holding a clause end, and
    # characters with nothing at all deleted before them.
    wide: list[int] | None = None
    clause: list[int] | None = None
    joined: list[int] | None = None

    def joins(self, start: int, end: int) -> bool:
        """May compact characters start..end-1 form one term (the gap and clause rules)?"""
        if self.wide is None or self.clause is None or self.joined is None:
            return True
        inner = start + 1
        if self.wide[end] - self.wide[inner]:
            return False
        if self.clause[end] - self.clause[inner]:
            return self.joined[end] - self.joined[inner] == 0
        return True


def identity_layout(packed: str) -> Layout:
    return Layout(packed, range(len(packed)))


def _gap(segment: str, fold: dict[int, str], invisible: frozenset[int]) -> tuple[bool, bool]:
    """(too wide, holds a clause end) for the characters deleted between two kept ones."""
    clause = any(fold.get(ord(c), c) in CLAUSE_BREAKS for c in segment)
    visible = sum(1 for c in segment if ord(c) not in invisible)
    if visible <= 1:
        return False, clause
    if visible > MAX_GAP_CHARS:
        return True, clause
    units, previous = 0, None
    for cluster in _GRAPHEME.findall(segment):
        shown = "".join(c for c in cluster if ord(c) not in invisible)
        if shown and shown != previous:
            units += 1
        if shown:
            previous = shown
    return units > MAX_GAP, clause


def layout(text: str) -> Layout:
    fold, table, invisible = match_tables()
    out: list[str] = []
    positions: list[int] = []
    wide: list[bool] = []
    clause: list[bool] = []
    joined: list[bool] = []
    gap_start = -1
    for index, ch in enumerate(text):
        mapped = table.get(ord(ch), ch)
        if mapped is None:
            if gap_start < 0:
                gap_start = index
            continue
        if gap_start < 0:
            wide.append(False)
            clause.append(False)
            joined.append(True)
        else:
            too_wide, breaks = _gap(text[gap_start:index], fold, invisible)
            wide.append(too_wide)
            clause.append(breaks)
            joined.append(False)
            gap_start = -1
        out.append(mapped)
        positions.append(index)
    return Layout(
        "".join(out),
        positions,
        list(accumulate(wide, initial=0)),
        list(accumulate(clause, initial=0)),
        list(accumulate(joined, initial=0)),
    )
