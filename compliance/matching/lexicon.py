"""Multi-pattern matching over the compact text with one shared Aho-Corasick automaton.

ahocorasick-rs was chosen by measurement (bench/compliance_bench.py, docs/compliance.md): on
Chinese, where thousands of distinct first characters fan out from the root, its Rust
automaton is more than an order of magnitude faster than pyahocorasick.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import ahocorasick_rs

from compliance.matching.normalise import compact, compact_with_gaps, tables

# Severity order: the most severe hit wins an overlap.
SEVERITY_RANK = {"block": 3, "warn": 2, "record": 1}
# At most this many inserted VISIBLE characters between two characters of a term (加 微 信 is 1
# each; a term spread across a sentence is not an evasion, it is a different sentence). Invisible
# ones (zero-width, combining marks, tags, variation selectors) count nothing (normalise.py).
MAX_GAP = 3


@dataclass(frozen=True)
class TermSpec:
    term: str
    category: str
    severity: str  # block / warn / record
    allow: tuple[str, ...] = ()
    suggestion: str = ""


@dataclass(frozen=True)
class Hit:
    term: str
    category: str
    severity: str
    start: int  # index into the ORIGINAL text
    end: int
    matched: str  # == text[start:end]
    suggestion: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "category": self.category,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
        }


@dataclass
class _Pattern:
    key: str  # the compact form
    terms: list[int] = field(default_factory=list)  # indexes of terms with this key
    allows_for: list[int] = field(default_factory=list)  # terms this pattern is an allow-phrase of


def _ascii_word(s: str) -> bool:
    return s.isascii() and s.isalnum()


class Lexicon:
    """Built once per lexicon version and shared by every request of the process."""

    def __init__(self, terms: Iterable[TermSpec], version: int = 0) -> None:
        self.version = version
        self.terms: list[TermSpec] = []
        patterns: dict[str, _Pattern] = {}
        for spec in terms:
            key = compact(spec.term)
            if not key:
                continue
            index = len(self.terms)
            self.terms.append(spec)
            patterns.setdefault(key, _Pattern(key)).terms.append(index)
            for phrase in spec.allow:
                allow_key = compact(phrase)
                if allow_key and key in allow_key:
                    patterns.setdefault(allow_key, _Pattern(allow_key)).allows_for.append(index)
        self._patterns = list(patterns.values())
        self._table = tables()[1]  # the compact table, looked up once, not per message
        self._automaton = (
            ahocorasick_rs.AhoCorasick([p.key for p in self._patterns], store_patterns=False)
            if self._patterns
            else None
        )

    def __len__(self) -> int:
        return len(self.terms)

    def check(self, text: str) -> list[Hit]:
        """Hits in `text`, ordered by start; spans index the original text."""
        if self._automaton is None or not text:
            return []
        packed = text.translate(self._table)
        found = self._automaton.find_matches_as_indexes(packed, overlapping=True)
        if not found:
            return []
        gaps: Sequence[int] | None = None
        if len(packed) == len(text):
            positions: Sequence[int] = range(len(text))  # nothing removed: identity map, no gaps
        else:
            packed, positions, gaps = compact_with_gaps(text)
        return self._resolve(text, packed, positions, gaps, found)

    def _resolve(
        self,
        text: str,
        packed: str,
        positions: Sequence[int],
        gaps: Sequence[int] | None,
        found: list[tuple[int, int, int]],
    ) -> list[Hit]:
        """Allow-phrases, the gap bound and overlaps, in O(h log h) for h automaton matches: a
        hit-heavy text (撤回，× 8,000) must not cost the square of its hits."""
        allowed: dict[int, list[tuple[int, int]]] = {}
        candidates: list[tuple[int, int, int]] = []  # (term index, start, end) in compact offsets
        for pattern_index, start, end in found:
            pattern = self._patterns[pattern_index]
            for term_index in pattern.allows_for:
                allowed.setdefault(term_index, []).append((start, end))
            for term_index in pattern.terms:
                candidates.append((term_index, start, end))
        # Per term, its allow spans sorted by start with the furthest end reached so far: a hit is
        # covered when some span starting at or before it reaches its end (one bisect).
        covers: dict[int, tuple[list[int], list[int]]] = {}
        for term_index, spans in allowed.items():
            spans.sort()
            covers[term_index] = ([a for a, _b in spans], list(accumulate((b for _a, b in spans), max)))
        # wide[i]: how many of the first i compact characters follow a gap wider than MAX_GAP.
        wide = list(accumulate((g > MAX_GAP for g in gaps), initial=0)) if gaps is not None else None
        hits: list[tuple[int, int, int]] = []
        for term_index, start, end in candidates:
            cover = covers.get(term_index)
            if cover is not None:
                reach = bisect_right(cover[0], start)
                if reach and cover[1][reach - 1] >= end:
                    continue  # 不保本 covers 保本: the compliant disclosure
            if _ascii_word(self.terms[term_index].term) and (
                (start > 0 and _ascii_word(packed[start - 1]))
                or (end < len(packed) and _ascii_word(packed[end]))
            ):
                continue  # "vx" inside an English word is not the term
            if wide is not None and wide[end] - wide[start + 1] > 0:
                continue  # a term spread across a sentence is a different sentence
            hits.append((term_index, start, end))
        # Overlaps: the most severe, then the longest, then the leftmost, then the term text wins;
        # a hit overlapping one already kept is dropped. Deterministic whatever the automaton order.
        hits.sort(
            key=lambda h: (
                -SEVERITY_RANK.get(self.terms[h[0]].severity, 0),
                -(h[2] - h[1]),
                h[1],
                self.terms[h[0]].term,
            )
        )
        taken = bytearray(len(packed))  # compact characters inside a kept hit
        kept: list[tuple[int, int, int]] = []
        for hit in hits:
            _term_index, start, end = hit
            if taken.find(1, start, end) == -1:
                taken[start:end] = b"\x01" * (end - start)
                kept.append(hit)
        kept.sort(key=lambda h: (h[1], h[2]))
        result = []
        for term_index, start, end in kept:
            spec = self.terms[term_index]
            original_start, original_end = positions[start], positions[end - 1] + 1
            result.append(
                Hit(
                    term=spec.term,
                    category=spec.category,
                    severity=spec.severity,
                    start=original_start,
                    end=original_end,
                    matched=text[original_start:original_end],
                    suggestion=spec.suggestion,
                )
            )
        return result
