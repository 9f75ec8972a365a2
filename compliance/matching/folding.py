"""The matcher's folding tables, derived from Unicode's own data over every assigned code point.

One character always folds to one character (offsets never move); a character is either kept
(perhaps folded) or deleted (a separator). Derived, not typed in by hand:

* NFKC compatibility forms: full-width, mathematical alphanumerics (bold, italic, monospace,
  script), circled/squared letters, superscripts, CJK compatibility ideographs. A form whose
  NFKC is several characters keeps its one letter or digit (⒜ → a, ⒈ → 1); Roman numerals fold
  to their letter (Ⅴ → v) or, when NFKC gives several letters, to their value below ten (Ⅲ → 3).
* Letters with diacritics fold to their base letter (NFKD without marks: jiā → jia).
* Decimal digits of every script and every digit-valued symbol (dingbat negative, sans-serif and
  double circled digits: ❶ ➀ ⓵) fold to ASCII digits (`unicodedata.digit`).
* Symbols named after a Latin letter (🅐 negative circled, 🅰 negative squared) fold to the
  letter, by their Unicode name (not the regional indicators: flags are emoji, deleted).
* Confusables: a non-Latin letter that Unicode's confusables data (confusable_homoglyphs) lists as
  a homoglyph of one ASCII letter folds to it (Cyrillic а, Greek ν → a, v).
* Chinese: OpenCC's variant tables (Japanese shinjitai, Hong Kong and Taiwan variants, reversed)
  then its Traditional → Simplified characters; Chinese, financial (大写) numerals and 幺 fold to
  digits (一 → 1, 叁 → 3), 拾佰仟 to 十百千.

Deleted: categories Z, P, S, C, M of the folded character. Invisible among them (never counted
as a gap): Cf, Mn, Me — zero-width characters, tags, variation selectors including the supplement
U+E0100–E01EF — and the Hangul fillers (letters by category, blank on screen).

The search index keeps its own, older table (normalise.py) so that stored `normalized` columns
stay valid; this table is the matcher's only.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_SKIP_CATEGORIES = ("Z", "P", "S", "C", "M")
_INVISIBLE_CATEGORIES = ("Cf", "Mn", "Me")
# Planes 0–3 (everything assigned but the private-use planes 15–16) and plane 14 (tags and the
# variation selectors supplement). Planes 4–13 have no assigned characters.
_PLANES = (range(0, 0x40000), range(0xE0000, 0xE1000))
# Scripts whose letters are never folded through the confusables data: Chinese, Japanese and
# Korean text must stay as written.
_EAST_ASIAN = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "KANGXI", "YI ")
# Regional indicators are left out on purpose: they are flag emoji, which evaders insert.
_LETTER_NAME = re.compile(r"LATIN (?:CAPITAL|SMALL) LETTER ([A-Z])$")
# Positional numerals keep their meaning; digit numerals become digits so 幺三八 is 138.
CHINESE_DIGITS = {
    **dict(zip("〇零一二三四五六七八九", "00123456789", strict=True)),
    **dict(zip("壹贰叁肆伍陆柒捌玖", "123456789", strict=True)),
    "幺": "1",
    "拾": "十",
    "佰": "百",
    "仟": "千",
}
# Clause ends: a term does not run across one unless every character of it is separated
# (layout.py). Judged on the folded character (！ is !). A row of dots (...... 。。。) is an
# ellipsis, not a clause end, and neither is … itself.
CLAUSE_BREAKS = frozenset("。!?;.\n\r\u2028\u2029\u0085")
# Never in a folded text: the barrier between messages of one batch (check_many).
BARRIER = "\uffff"


def _opencc_dir() -> Path:
    import opencc

    return Path(opencc.__file__).parent / "dictionary"


def _pairs(name: str) -> list[tuple[str, list[str]]]:
    out = []
    for line in (_opencc_dir() / name).read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and targets:
            out.append((source, targets.split(" ")))
    return out


def _chinese_table() -> dict[str, str]:
    """Variant → standard Traditional (OpenCC's JP/HK/TW variant tables, reversed) → Simplified."""
    t2s = {s: t[0] for s, t in _pairs("TSCharacters.txt") if len(s) == 1 and len(t[0]) == 1}
    variants: dict[str, str] = {}
    for name in ("JPVariants.txt", "HKVariants.txt", "TWVariants.txt"):
        for standard, forms in _pairs(name):
            for form in forms:
                if len(standard) == 1 and len(form) == 1 and form != standard:
                    variants.setdefault(form, standard)
    for name in ("HKVariantsRev.txt", "TWVariantsRev.txt"):
        for form, standards in _pairs(name):
            if len(form) == 1 and len(standards[0]) == 1 and form != standards[0]:
                variants.setdefault(form, standards[0])
    table: dict[str, str] = {}
    for ch in set(t2s) | set(variants):
        target = variants.get(ch, ch)
        target = t2s.get(target, target)
        if target != ch:
            table[ch] = target
    return table


def _confusables() -> dict[str, str]:
    """Each character Unicode lists as confusable with exactly one kind of ASCII letter."""
    import confusable_homoglyphs

    data = json.loads(
        (Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text(encoding="utf-8")
    )
    table: dict[str, str] = {}
    for ch, entries in data.items():
        letters = {
            e["c"].lower() for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalpha()
        }
        if len(ch) == 1 and len(letters) == 1:
            table[ch] = letters.pop()
    return table


def _roman(ch: str, nfkc: str) -> str | None:
    if not unicodedata.name(ch, "").startswith(("ROMAN NUMERAL", "SMALL ROMAN NUMERAL")):
        return None
    if len(nfkc) == 1:
        return nfkc
    value = unicodedata.numeric(ch, -1)
    return str(int(value)) if value == int(value) and 0 <= value <= 9 else None


def _fold_char(ch: str, chinese: dict[str, str], confusables: dict[str, str]) -> str:
    if ch in chinese or ch in CHINESE_DIGITS:
        out = chinese.get(ch, ch)
        return CHINESE_DIGITS.get(out, out)
    nfkc = unicodedata.normalize("NFKC", ch)
    out = _roman(ch, nfkc) or nfkc
    if len(out) != 1:
        alnum = [c for c in out if c.isalnum()]
        out = alnum[0] if len(alnum) == 1 else ch  # ⒜ → a; ㍿ stays (several letters)
    lower = out.lower()
    if len(lower) == 1:
        out = lower
    if out.isascii():
        return out
    if out in chinese or out in CHINESE_DIGITS:  # a compatibility ideograph's NFKC
        out = chinese.get(out, out)
        return CHINESE_DIGITS.get(out, out)
    base = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    if len(base) == 1 and base.isascii() and base.isalnum():
        return base.lower()
    digit = unicodedata.digit(out, None)
    if digit is not None:
        return str(digit)
    name = unicodedata.name(out, "")
    letter = _LETTER_NAME.search(name)
    if letter and unicodedata.category(out).startswith("S"):
        return letter.group(1).lower()
    if unicodedata.category(out).startswith("L") and not name.startswith(_EAST_ASIAN):
        return confusables.get(out, confusables.get(ch, out))
    return out


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or (
        "HANGUL" in unicodedata.name(ch, "") and unicodedata.name(ch, "").endswith("FILLER")
    )


@lru_cache(maxsize=1)
def match_tables() -> tuple[dict[int, str], dict[int, str | None], frozenset[int]]:
    """(fold, compact, invisible) for the matcher: the one-to-one fold, the fold with separators
    deleted (None), and the deleted code points that show nothing."""
    chinese = _chinese_table()
    confusables = _confusables()
    fold: dict[int, str] = {}
    packed: dict[int, str | None] = {}
    invisible: set[int] = set()
    for plane in _PLANES:
        for code in plane:
            if 0xD800 <= code <= 0xDFFF:
                packed[code] = None  # a lone surrogate is never part of a term
                continue
            ch = chr(code)
            category = unicodedata.category(ch)
            if category in ("Cn", "Co"):
                continue  # unassigned and private use: kept as they are
            if _invisible(ch):
                packed[code] = None
                invisible.add(code)
                continue
            folded = _fold_char(ch, chinese, confusables)
            if folded != ch:
                fold[code] = folded
            if unicodedata.category(folded)[0] in _SKIP_CATEGORIES:
                packed[code] = None
            elif folded != ch:
                packed[code] = folded
    packed.pop(ord(BARRIER), None)  # kept, so a batch's messages never run into each other
    # Every other BMP character maps to itself: str.translate then finds each character in the
    # table instead of raising and swallowing a KeyError for it (a quarter of the time per message).
    for code in range(0x10000):
        if code not in packed:
            packed[code] = chr(code)
    return fold, packed, frozenset(invisible)


def match_fold(text: str) -> str:
    """One-to-one: `len(match_fold(t)) == len(t)`."""
    return text.translate(match_tables()[0])


def match_compact(text: str) -> str:
    return text.translate(match_tables()[1])
