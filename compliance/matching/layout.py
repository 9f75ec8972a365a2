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

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from compliance.matching.folding import CLAUSE_BREAKS, match_tables

MAX_GAP = 3
MAX_GAP_CHARS = 32
_GRAPHEME = regex.compile(r"\X")
_ELLIPSIS = re.compile(r"\.{2,}|。{2,}")


@dataclass(frozen=True)
class Layout:
    packed: str
    positions: Sequence[int]  # compact index → original index
    # Sorted compact indexes of the characters with something deleted just before them, of those
    # whose gap is wider than the bounds, and of those whose gap holds a clause end. Few per
    # message: a range is counted with two bisects.
    gapped: Sequence[int] = ()
    wide: Sequence[int] = ()
    clause: Sequence[int] = ()

    def joins(self, start: int, end: int) -> bool:
        """May compact characters start..end-1 form one term (the gap and clause rules)?"""
        if not self.gapped:
            return True
        inner = start + 1
        if self.wide and bisect_left(self.wide, end) - bisect_left(self.wide, inner):
            return False
        if self.clause and bisect_left(self.clause, end) - bisect_left(self.clause, inner):
            # across a clause end only when every pair of neighbours is separated
            return bisect_left(self.gapped, end) - bisect_left(self.gapped, inner) == end - inner
        return True


def identity_layout(packed: str) -> Layout:
    return Layout(packed, range(len(packed)))


def _gap(segment: str, fold: dict[int, str], invisible: frozenset[int]) -> tuple[bool, bool]:
    """(too wide, holds a clause end) for the characters deleted between two kept ones."""
    if len(segment) == 1:  # the common case: one space, one comma
        return False, fold.get(ord(segment), segment) in CLAUSE_BREAKS
    folded = _ELLIPSIS.sub("", "".join(fold.get(ord(c), c) for c in segment))
    clause = any(c in CLAUSE_BREAKS for c in folded)
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


@lru_cache(maxsize=1)
def _marker_table() -> dict[int, str]:
    """Deleted characters → NUL, every other BMP character → itself (no KeyError per character)."""
    table = {code: chr(code) for code in range(0x10000)}
    table.update(dict.fromkeys((code for code, kept in match_tables()[1].items() if kept is None), "\x00"))
    return table


_DELETED_RUN = re.compile("\x00+")


def layout(text: str, packed: str | None = None) -> Layout:
    """The compact text with its offset map and gaps, from the runs of deleted characters (found
    by one translate and one regex scan: no Python loop over every character)."""
    fold, table, invisible = match_tables()
    marked = text.translate(_marker_table())
    positions: list[int] = []
    gapped: list[int] = []
    wide: list[int] = []
    clause: list[int] = []
    previous = 0
    for run in _DELETED_RUN.finditer(marked):
        first, last = run.span()
        positions.extend(range(previous, first))
        previous = last
        if last == len(text) or not positions:
            continue  # nothing kept after it, or before it: not between two term characters
        index = len(positions)
        gapped.append(index)
        too_wide, breaks = _gap(text[first:last], fold, invisible)
        if too_wide:
            wide.append(index)
        if breaks:
            clause.append(index)
    positions.extend(range(previous, len(text)))
    return Layout(text.translate(table) if packed is None else packed, positions, gapped, wide, clause)
