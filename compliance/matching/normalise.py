"""Normalisation with offsets kept cheap.

Two precomputed `str.translate` tables, built once per process:

* FOLD maps one character to one character (NFKC width/compatibility forms, lower case,
  Traditional→Simplified single characters from OpenCC's TSCharacters table, circled and
  full-width digits). One-to-one keeps every offset unchanged.
* COMPACT is FOLD plus deletion of the characters an evader inserts between the characters
  of a term: spaces, punctuation, symbols and emoji, zero-width and other format characters,
  combining marks and variation selectors.

Only the deletion moves offsets. `compact_with_map` builds the map back to the original text,
and the matcher calls it (as `compact_with_gaps`) only for a message whose compacted form has a hit.

Deleted characters are of two kinds for the gap bound: visible separators (a space, a comma, an
emoji) count, one each; invisible ones — format characters (Cf: zero-width spaces and joiners,
soft hyphens, tag characters), non-spacing and enclosing marks (Mn, Me: combining accents,
variation selectors) — count nothing, so no number of them can stretch a term past the bound.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

# Categories dropped between characters: separators (Z*), punctuation (P*), symbols and
# emoji (S*), controls and format characters such as zero-width joiners (C*), and marks (M*:
# combining accents, variation selectors U+FE0F).
_SKIP_CATEGORIES = ("Z", "P", "S", "C", "M")
# Deleted characters that show nothing: they never count toward the gap bound.
_INVISIBLE_CATEGORIES = ("Cf", "Mn", "Me")
# The code points worth a table entry: the BMP, the emoji / symbol planes, the tag characters
# and the variation selectors supplement (U+E0100–U+E01EF).
_RANGES = (range(0, 0x10000), range(0x1F000, 0x1FC00), range(0xE0000, 0xE0080), range(0xE0100, 0xE01F0))


def _opencc_table() -> dict[str, str]:
    """Traditional→Simplified single characters: the first candidate of each TSCharacters line."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[source] = target
    return table


def _fold_char(ch: str, t2s: dict[str, str]) -> str:
    out = unicodedata.normalize("NFKC", ch)
    if len(out) != 1:
        out = ch  # 'ﾊﾟ', '㍿': expanding forms would move offsets; keep the original
    lower = out.lower()
    if len(lower) == 1:
        out = lower
    return t2s.get(out, out)


@lru_cache(maxsize=1)
def tables() -> tuple[dict[int, str], dict[int, str | None], frozenset[int]]:
    """(fold, compact, invisible): the one-to-one folding, the compact table (None: deleted) and
    the deleted code points that show nothing (not counted as a gap)."""
    t2s = _opencc_table()
    fold_table: dict[int, str] = {}
    compact_table: dict[int, str | None] = {}
    invisible: set[int] = set()
    for block in _RANGES:
        for code in block:
            ch = chr(code)
            if 0xD800 <= code <= 0xDFFF:
                compact_table[code] = None  # a lone surrogate is never part of a term
                continue
            folded = _fold_char(ch, t2s)
            if folded != ch:
                fold_table[code] = folded
            if unicodedata.category(folded)[0] in _SKIP_CATEGORIES:
                compact_table[code] = None
                if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
                    invisible.add(code)
            elif folded != ch:
                compact_table[code] = folded
    return fold_table, compact_table, frozenset(invisible)


def fold(text: str) -> str:
    """One-to-one folding: `len(fold(t)) == len(t)`, offsets unchanged."""
    return text.translate(tables()[0])


def compact(text: str) -> str:
    """Folded and with separators removed: the form terms are matched against and searched in."""
    return text.translate(tables()[1])


def is_kept(ch: str) -> bool:
    return tables()[1].get(ord(ch), ch) is not None


def compact_with_map(text: str) -> tuple[str, list[int]]:
    """The compact form and, for each of its characters, the index of its source in `text`."""
    table = tables()[1]
    out: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(text):
        mapped = table.get(ord(ch), ch)
        if mapped is None:
            continue
        out.append(mapped)
        positions.append(index)
    return "".join(out), positions


def compact_with_gaps(text: str) -> tuple[str, list[int], list[int]]:
    """`compact_with_map` plus, for each compact character, how many VISIBLE characters were
    deleted just before it (invisible ones — zero-width, marks, tags — count nothing)."""
    _fold, table, invisible = tables()
    out: list[str] = []
    positions: list[int] = []
    gaps: list[int] = []
    gap = 0
    for index, ch in enumerate(text):
        code = ord(ch)
        mapped = table.get(code, ch)
        if mapped is None:
            if code not in invisible:
                gap += 1
            continue
        out.append(mapped)
        positions.append(index)
        gaps.append(gap)
        gap = 0
    return "".join(out), positions, gaps
