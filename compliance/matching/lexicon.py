"""Multi-pattern matching over the compact text with shared Aho-Corasick automata.

ahocorasick-rs was chosen by measurement (bench/compliance_bench.py, docs/compliance.md): on
Chinese, where thousands of distinct first characters fan out from the root, its Rust
automaton is more than an order of magnitude faster than pyahocorasick.

Per message the fast path is one `str.translate`, one automaton call and one regex search. The
automaton also holds "trigger" keys for what the later passes need — every ASCII letter (pinyin,
ids, e-mail, URLs), each term's first character doubled and its second (保保本: repeated
characters), the Chinese contact
keywords — and the regex looks for ten digits in a row (numbers). A message with no match and no
such run is answered there. Only then are the other passes run, and the offset map built only
when one of them found something.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import ahocorasick_rs

from compliance.matching.detectors import CONTACT_KEYWORDS, Detectors, Rule
from compliance.matching.folding import BARRIER, match_tables
from compliance.matching.layout import MAX_GAP, MAX_GAP_CHARS, Layout, identity_layout, layout
from compliance.matching.variants import has_han, number_texts, phrase_keys, pinyin_keys, pinyin_table

# Severity order: the most severe hit wins an overlap.
SEVERITY_RANK = {"block": 3, "warn": 2, "record": 1}

# Numbers worth a detector: ten digits in a row (the shortest landline with its area code).
_TRIGGER = re.compile(r"[0-9]{10}")
# Two neighbouring characters each written at least twice: the least a repeated term shows.
_DOUBLED = re.compile(r"([^0-9])\1+(?!\1)([^0-9])\2")
_ASCII_LETTER = re.compile(r"[a-z]")
# Contact keywords in characters, before a QQ number: 扣扣12345 (the ASCII ones are letters).
_HAN_CONTACT_KEYWORDS = ("微信", "薇信", "威信", "扣扣", "企鹅")
_HAN_CONTACT = re.compile("|".join(_HAN_CONTACT_KEYWORDS))
_RUNS = re.compile(r"([^0-9])\1+")
# Terms this short in pinyin are too often another word's pinyin when glued to other letters.
PINYIN_GLUED_MIN_CHARS = 3

__all__ = ["MAX_GAP", "MAX_GAP_CHARS", "SEVERITY_RANK", "Hit", "Lexicon", "TermSpec"]


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
    key: str
    terms: list[int] = field(default_factory=list)  # indexes of terms with this key
    allows_for: list[int] = field(default_factory=list)  # terms this pattern is an allow-phrase of
    # repeated pass: per entry in `terms`/`allows_for`, the run length of each key character
    runs: list[tuple[int, ...]] = field(default_factory=list)
    allow_runs: list[tuple[int, ...]] = field(default_factory=list)
    whole: list[bool] = field(default_factory=list)  # pinyin pass: counts when wholly in pinyin


def _first(match: re.Match[str]) -> str:
    return match.group(1)


def _ascii_word(s: str) -> bool:
    return s.isascii() and s.isalnum()


def _collapse(key: str) -> tuple[str, tuple[int, ...]]:
    chars: list[str] = []
    runs: list[int] = []
    for ch in key:
        if chars and chars[-1] == ch and not ch.isdigit():
            runs[-1] += 1
        else:
            chars.append(ch)
            runs.append(1)
    return "".join(chars), tuple(runs)


def _automaton(patterns: list[_Pattern]) -> ahocorasick_rs.AhoCorasick | None:
    if not patterns:
        return None
    return ahocorasick_rs.AhoCorasick([p.key for p in patterns], store_patterns=False)


# A candidate: (term index, compact start, compact end, boundary sides to check: 1 before, 2 after)
_Candidate = tuple[int, int, int, int]


class Lexicon:
    """Built once per lexicon version and shared by every request of the process."""

    def __init__(
        self, terms: Iterable[TermSpec], version: int = 0, detectors: Detectors | None = None
    ) -> None:
        self.version = version
        self.detectors = detectors or Detectors()
        self.terms: list[TermSpec] = []
        self._fold, self._table, self._invisible = match_tables()
        plain: dict[str, _Pattern] = {}
        repeated: dict[str, _Pattern] = {}
        pinyin: dict[str, _Pattern] = {}
        for spec in terms:
            key = self._compact(spec.term)
            if not key:
                continue
            index = len(self.terms)
            self.terms.append(spec)
            for variant in self._keys(spec.term, key):
                plain.setdefault(variant, _Pattern(variant)).terms.append(index)
                collapsed, runs = _collapse(variant)
                if len(collapsed) > 1:
                    entry = repeated.setdefault(collapsed, _Pattern(collapsed))
                    entry.terms.append(index)
                    entry.runs.append(runs)
            if has_han(key):
                for pinyin_key, whole in pinyin_keys(spec.term, key):
                    entry = pinyin.setdefault(pinyin_key, _Pattern(pinyin_key))
                    entry.terms.append(index)
                    entry.whole.append(whole)
            for phrase in spec.allow:
                allow_key = self._compact(phrase)
                if not allow_key or key not in allow_key:
                    continue
                for variant in self._keys(phrase, allow_key):
                    plain.setdefault(variant, _Pattern(variant)).allows_for.append(index)
                    collapsed, runs = _collapse(variant)
                    entry = repeated.setdefault(collapsed, _Pattern(collapsed))
                    entry.allows_for.append(index)
                    entry.allow_runs.append(runs)
                if has_han(allow_key):
                    for pinyin_key, _whole in pinyin_keys(phrase, allow_key):
                        pinyin.setdefault(pinyin_key, _Pattern(pinyin_key)).allows_for.append(index)
        self._patterns = list(plain.values())
        self._repeated = [p for p in repeated.values() if p.terms or p.allows_for]
        self._pinyin = list(pinyin.values())
        # A repeated term starts with its first character doubled, then its second: 保保本.
        starts = {p.key[0] * 2 + p.key[1] for p in self._repeated if not p.key[0].isdigit()}
        triggers = set("abcdefghijklmnopqrstuvwxyz") | starts
        triggers |= set(_HAN_CONTACT_KEYWORDS)
        triggers -= plain.keys()
        self._real = len(self._patterns)  # automaton patterns from here on are triggers only
        self._patterns += [_Pattern(key) for key in sorted(triggers)]
        self._automaton = _automaton(self._patterns)
        self._repeated_automaton = _automaton(self._repeated)
        self._pinyin_automaton = _automaton(self._pinyin)
        self._pinyin_table = pinyin_table()
        self._contact = [spec.term.lower() in CONTACT_KEYWORDS for spec in self.terms]
        self._ascii = [_ascii_word(spec.term) for spec in self.terms]
        self._short = [len(spec.term) < PINYIN_GLUED_MIN_CHARS for spec in self.terms]

    def _compact(self, text: str) -> str:
        return text.translate(self._table)

    def _keys(self, text: str, key: str) -> list[str]:
        keys = {key}
        for spoken in number_texts(text):
            keys.add(self._compact(spoken))
        for variant in list(keys):
            keys |= phrase_keys(variant)
        keys.discard("")
        return sorted(keys)

    def __len__(self) -> int:
        return len(self.terms)

    # --- per message ---------------------------------------------------------------------

    def check(self, text: str) -> list[Hit]:
        """Hits in `text`, ordered by start; spans index the original text."""
        if not text:
            return []
        packed = text.translate(self._table)
        found = self._automaton.find_matches_as_indexes(packed, overlapping=True) if self._automaton else []
        if not found and _TRIGGER.search(packed) is None:
            return []  # the fast path: most messages end here
        return self._slow(text, packed, found)

    def check_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        """`[check(t) for t in texts]` with one translate, one automaton pass and one trigger scan
        over the whole batch: only the messages with a candidate are looked at one by one."""
        if not texts:
            return []
        joined = BARRIER.join(texts)
        if joined.count(BARRIER) != len(texts) - 1:  # a message carries the barrier itself
            return [self.check(t) for t in texts]
        packed = joined.translate(self._table)
        # The table keeps the barrier, so message i's compact text lies before its i-th barrier
        # (no key contains it, so no match spans two messages).
        barriers = [m.start() for m in re.finditer(BARRIER, packed)]
        starts = [0] + [b + 1 for b in barriers]
        found: dict[int, list[tuple[int, int, int]]] = {}
        if self._automaton is not None:
            for pattern, start, end in self._automaton.find_matches_as_indexes(packed, overlapping=True):
                i = bisect_left(barriers, start)
                found.setdefault(i, []).append((pattern, start - starts[i], end - starts[i]))
        for match in _TRIGGER.finditer(packed):
            found.setdefault(bisect_left(barriers, match.start()), [])
        out: list[list[Hit]] = [[] for _ in texts]
        for i, matches in found.items():
            end = barriers[i] if i < len(barriers) else len(packed)
            out[i] = self._slow(texts[i], packed[starts[i] : end], matches)
        return out

    def _slow(self, text: str, packed: str, found: list[tuple[int, int, int]]) -> list[Hit]:
        allowed: dict[int, list[tuple[int, int]]] = {}
        candidates: list[_Candidate] = []
        for pattern_index, start, end in found:
            if pattern_index >= self._real:
                continue  # a trigger: brought the message here, matches nothing itself
            pattern = self._patterns[pattern_index]
            for term_index in pattern.allows_for:
                allowed.setdefault(term_index, []).append((start, end))
            for term_index in pattern.terms:
                candidates.append((term_index, start, end, 3 if self._ascii[term_index] else 0))
        letters = _ASCII_LETTER.search(packed) is not None
        if self._repeated_automaton is not None and _DOUBLED.search(packed):
            self._repeated_pass(packed, candidates, allowed)
        if letters and self._pinyin_automaton is not None:
            self._pinyin_pass(packed, candidates, allowed)
        numbers = self.detectors.in_packed(packed) if self.detectors.rules else []
        folded = bool(self.detectors.rules) and (
            letters or "@" in text or "＠" in text or _HAN_CONTACT.search(packed) is not None
        )
        if not candidates and not numbers and not (folded and self.detectors.rules):
            return []
        grid = identity_layout(packed) if len(packed) == len(text) else layout(text, packed)
        ranked: list[tuple[int, int, int, int, int]] = []  # (rank, -length, start, end, ref)
        for term_index, start, end in self._filter(text, grid, candidates, allowed):
            first, last = grid.positions[start], grid.positions[end - 1] + 1
            severity = SEVERITY_RANK.get(self.terms[term_index].severity, 0)
            ranked.append((-severity, -(last - first), first, last, term_index))
        detected: list[Rule] = []
        for rule, first, last in self._detect(text, grid, numbers, folded):
            ranked.append(
                (-SEVERITY_RANK.get(rule.severity, 0), -(last - first), first, last, -1 - len(detected))
            )
            detected.append(rule)
        if not ranked:
            return []
        return self._resolve(text, ranked, detected)

    def _repeated_pass(
        self, packed: str, candidates: list[_Candidate], allowed: dict[int, list[tuple[int, int]]]
    ) -> None:
        """Each character of a term written two or three times (保保本本, 加加加微微微信信信).
        Only when every character of the term is repeated: 稳稳赚 is not 稳赚 doubled."""
        assert self._repeated_automaton is not None
        collapsed = _RUNS.sub(_first, packed)
        found = self._repeated_automaton.find_matches_as_indexes(collapsed, overlapping=True)
        if not found:
            return
        starts: list[int] = []
        lengths: list[int] = []
        for index, ch in enumerate(packed):
            if starts and packed[starts[-1]] == ch and not ch.isdigit():
                lengths[-1] += 1
            else:
                starts.append(index)
                lengths.append(1)

        def repeated(first: int, runs: tuple[int, ...]) -> bool:
            for offset, need in enumerate(runs):
                have = lengths[first + offset]
                ch = packed[starts[first + offset]]
                if ch.isdigit() and have != need:
                    return False
                if not ch.isdigit() and have not in (2 * need, 3 * need):
                    return False
            return True

        for pattern_index, start, end in found:
            pattern = self._repeated[pattern_index]
            span = (starts[start], starts[end - 1] + lengths[end - 1])
            for term_index, runs in zip(pattern.terms, pattern.runs, strict=True):
                if repeated(start, runs):
                    candidates.append((term_index, span[0], span[1], 3 if self._ascii[term_index] else 0))
            for term_index, runs in zip(pattern.allows_for, pattern.allow_runs, strict=True):
                if repeated(start, runs):
                    allowed.setdefault(term_index, []).append(span)

    def _pinyin_pass(
        self, packed: str, candidates: list[_Candidate], allowed: dict[int, list[tuple[int, int]]]
    ) -> None:
        """Chinese terms written in pinyin, wholly or mixed with characters (jiaweixin, 加weixin)."""
        assert self._pinyin_automaton is not None
        spelled = packed.translate(self._pinyin_table)
        found = self._pinyin_automaton.find_matches_as_indexes(spelled, overlapping=True)
        if not found:
            return
        owner: list[int] = []  # spelled index → compact index
        for index, ch in enumerate(packed):
            owner.extend([index] * len(self._pinyin_table.get(ord(ch), ch)))
        for pattern_index, start, end in found:
            first, last = owner[start], owner[end - 1]
            if (start and owner[start - 1] == first) or (end < len(owner) and owner[end] == last):
                continue  # begins or ends inside a character's syllable
            written = packed[first : last + 1]
            letters = sum(1 for c in written if "a" <= c <= "z")
            if not letters:
                continue  # all characters: the plain pass's business (and homophones are not hits)
            whole = letters + sum(c.isdigit() for c in written) == len(written)
            pattern = self._pinyin[pattern_index]
            for term_index in pattern.allows_for:
                allowed.setdefault(term_index, []).append((first, last + 1))
            # Glued to other letters, a short term's pinyin is as likely another word's: its ASCII
            # edges need a boundary, as an ASCII term's do.
            edges = (1 if written[0].isascii() else 0) | (2 if written[-1].isascii() else 0)
            for term_index, whole_ok in zip(pattern.terms, pattern.whole, strict=True):
                if whole and (not whole_ok or self._short[term_index]):
                    continue  # wholly in pinyin, two syllables are too often a homophone (dianzi: 电子)
                candidates.append((term_index, first, last + 1, edges if self._short[term_index] else 0))

    def _filter(
        self,
        text: str,
        grid: Layout,
        candidates: list[_Candidate],
        allowed: dict[int, list[tuple[int, int]]],
    ) -> list[tuple[int, int, int]]:
        # Per term, its allow spans sorted by start with the furthest end reached so far: a hit is
        # covered when some span starting at or before it reaches its end (one bisect).
        covers: dict[int, tuple[list[int], list[int]]] = {}
        for term_index, spans in allowed.items():
            spans.sort()
            covers[term_index] = ([a for a, _b in spans], list(accumulate((b for _a, b in spans), max)))
        kept: list[tuple[int, int, int]] = []
        seen: set[tuple[int, int, int]] = set()
        for term_index, start, end, boundary in candidates:
            if (term_index, start, end) in seen:
                continue
            seen.add((term_index, start, end))
            cover = covers.get(term_index)
            if cover is not None:
                reach = bisect_right(cover[0], start)
                if reach and cover[1][reach - 1] >= end:
                    continue  # 不保本 covers 保本: the compliant disclosure
            if boundary and not self._bounded(text, grid, start, end, boundary, self._contact[term_index]):
                continue  # "vx" inside an English word is not the term
            if not grid.joins(start, end):
                continue  # spread across a sentence, or across a clause end
            kept.append((term_index, start, end))
        return kept

    def _bounded(self, text: str, grid: Layout, start: int, end: int, sides: int, contact: bool) -> bool:
        """An ASCII match must not touch another ASCII letter or digit in the ORIGINAL text
        (a separator after it is a boundary: VX：zhangxm); digits after a contact keyword count."""
        before = self._neighbour(text, grid.positions[start] - 1, -1)
        after = self._neighbour(text, grid.positions[end - 1] + 1, 1)
        if sides & 1 and before is not None and before.isascii() and before.isalnum():
            return False
        if sides & 2 and after is not None and after.isascii() and after.isalnum():
            return contact and after.isdigit()
        return True

    def _neighbour(self, text: str, index: int, step: int) -> str | None:
        """The nearest visible character from `index` on, folded (invisible ones are skipped)."""
        while 0 <= index < len(text):
            code = ord(text[index])
            if code not in self._invisible:
                return self._fold.get(code, text[index])
            index += step
        return None

    def _detect(
        self, text: str, grid: Layout, numbers: list[tuple[Rule, int, int]], folded: bool
    ) -> list[tuple[Rule, int, int]]:
        out: list[tuple[Rule, int, int]] = []
        for rule, start, end in numbers:
            if grid.joins(start, end):
                out.append((rule, grid.positions[start], grid.positions[end - 1] + 1))
        if folded:
            out += self.detectors.in_folded(text.translate(self._fold))
        return out

    def _resolve(
        self, text: str, ranked: list[tuple[int, int, int, int, int]], detected: list[Rule]
    ) -> list[Hit]:
        """Overlaps: the most severe, then the longest, then the leftmost, then the term text wins;
        a hit overlapping one already kept is dropped. Deterministic whatever the automaton order.
        O(h log h) for h candidates: a hit-heavy text (撤回，× 8,000) must not cost h²."""

        def label(ref: int) -> str:
            return self.terms[ref].term if ref >= 0 else detected[-1 - ref].label

        kept: list[tuple[int, int, int]] = []
        if len(ranked) == 1:  # the common case: nothing to overlap
            kept.append((ranked[0][2], ranked[0][3], ranked[0][4]))
        else:
            ranked.sort(key=lambda r: (r[0], r[1], r[2], label(r[4])))
            taken = bytearray(len(text))
            for _rank, _length, start, end, ref in ranked:
                if taken.find(1, start, end) == -1:
                    taken[start:end] = b"\x01" * (end - start)
                    kept.append((start, end, ref))
            kept.sort()
        hits = []
        for start, end, ref in kept:
            if ref >= 0:
                spec = self.terms[ref]
                hits.append(
                    Hit(spec.term, spec.category, spec.severity, start, end, text[start:end], spec.suggestion)
                )
            else:
                rule = detected[-1 - ref]
                hits.append(Hit(rule.label, rule.label, rule.severity, start, end, text[start:end]))
        return hits
