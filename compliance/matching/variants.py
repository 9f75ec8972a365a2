"""Extra automaton keys for a term, computed once per lexicon build (never per message).

* Phrase-level Traditional → Simplified: OpenCC's phrase tables (STPhrases reversed, TSPhrases)
  give, for a Simplified phrase, the Traditional spellings whose character-by-character fold is a
  different Simplified text (乾燥 → 干燥 but 乾 alone → 乾). A term containing the phrase also
  gets a key with that character fold, so the Traditional text matches it. OpenCC's tables lack
  some banking phrases (帳戶 folds to 帐户, the older form): `PHRASE_SUPPLEMENT` adds them.
* Numbers: a digit run in a term also matches its positional Chinese reading (1000 → 一千, also
  in 大写 壹仟 since both fold the same), and `N%` matches 百分之N (100% also 百分之百).
* Pinyin: the term's pinyin by phrase (pypinyin, 银行 → yinhang) and by each character's most
  common reading (the form a mixed text 银hang / yin行 takes after `PINYIN`), ü also as u.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from compliance.matching.folding import _opencc_dir, match_compact

# Banking phrases that OpenCC converts to an older Simplified form (帳 → 帐): Traditional → Simplified.
PHRASE_SUPPLEMENT = {
    "帳戶": "账户",
    "帳號": "账号",
    "帳單": "账单",
    "帳目": "账目",
    "轉帳": "转账",
    "記帳": "记账",
    "帳款": "账款",
    "對帳": "对账",
    "帳本": "账本",
}
MAX_KEYS_PER_TERM = 16
_DIGITS = "零一二三四五六七八九"


@lru_cache(maxsize=1)
def phrase_table() -> dict[str, frozenset[str]]:
    """Compact Simplified phrase → compact character folds of its Traditional spellings that differ."""
    pairs: list[tuple[str, str]] = list(PHRASE_SUPPLEMENT.items())
    for name, reverse in (("STPhrases.txt", True), ("TSPhrases.txt", False)):
        for line in (_opencc_dir() / name).read_text(encoding="utf-8").splitlines():
            source, _, targets = line.partition("\t")
            for target in targets.split(" ") if targets else ():
                pairs.append((target, source) if reverse else (source, target))
    table: dict[str, set[str]] = {}
    for traditional, simplified in pairs:
        folded, key = match_compact(traditional), match_compact(simplified)
        if folded != key and len(folded) == len(key) and len(key) > 1:
            table.setdefault(key, set()).add(folded)
    return {k: frozenset(v) for k, v in table.items()}


def phrase_keys(key: str) -> set[str]:
    """Keys with one Simplified phrase of `key` replaced by a Traditional spelling's fold."""
    table = phrase_table()
    out: set[str] = set()
    for length in range(2, min(len(key), 8) + 1):
        for start in range(len(key) - length + 1):
            for folded in table.get(key[start : start + length], ()):
                out.add(key[:start] + folded + key[start + length :])
                if len(out) >= MAX_KEYS_PER_TERM:
                    return out
    return out


def _under_10000(n: int) -> str:
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit:
            out += ("零" if zero else "") + _DIGITS[digit] + name
            zero = False
        elif out:
            zero = True
    return out


def chinese_number(n: int) -> str:
    """The positional reading of 0 ≤ n < 10⁸: 1000 → 一千, 15 → 十五, 1005 → 一千零五."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10000)
    if high:
        out = _under_10000(high) + "万" + (("零" if low < 1000 else "") + _under_10000(low) if low else "")
    else:
        out = _under_10000(low)
    return out[1:] if out.startswith("一十") else out


def _readings(n: int) -> list[str]:
    reading = chinese_number(n)
    out = [reading]
    if reading.startswith("二") and n >= 100:
        out.append("两" + reading[1:])  # 两千, 两万
    return out


_PERCENT = re.compile(r"(\d+)\s*[%％]")
_NUMBER = re.compile(r"\d+")


def number_texts(term: str) -> list[str]:
    """The term with each number (and percentage) written in Chinese numerals."""
    out: list[str] = []
    for match in _PERCENT.finditer(term):
        n = int(match.group(1))
        if n >= 10**8:
            continue
        spoken = ["百分之" + r for r in _readings(n)] + (["百分之百"] if n == 100 else [])
        out += [term[: match.start()] + s + term[match.end() :] for s in spoken]
    for match in _NUMBER.finditer(term):
        digits = match.group()
        if len(digits) > 8 or (len(digits) > 1 and digits.startswith("0")):
            continue  # a phone number or a code is read digit by digit, which folding covers
        out += [term[: match.start()] + r + term[match.end() :] for r in _readings(int(digits))]
    return out


def _toneless(syllable: str) -> str:
    syllable = syllable.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v")
    syllable = syllable.replace("ǜ", "v")
    return "".join(c for c in unicodedata.normalize("NFKD", syllable) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def pinyin_table() -> dict[int, str]:
    """Each Han character → its most common reading, toneless (行 → xing): a str.translate table."""
    from pypinyin.pinyin_dict import pinyin_dict

    return {code: _toneless(readings.split(",")[0]) for code, readings in pinyin_dict.items()}


def has_han(text: str) -> bool:
    table = pinyin_table()
    return any(ord(c) in table for c in text)


@lru_cache(maxsize=200_000)
def phrase_pinyin(term: str) -> str:
    """pypinyin's reading of the term as a phrase, cached: a rebuild after one edit (hot reload)
    computes only the new term's, not the whole lexicon's again."""
    from pypinyin import Style, lazy_pinyin

    return match_compact("".join(lazy_pinyin(term, style=Style.NORMAL, v_to_u=False)))


def pinyin_keys(term: str, key: str) -> list[tuple[str, bool]]:
    """(pinyin key, counts when written wholly in pinyin). The phrase reading counts whole; the
    character-by-character reading only mixed with characters (yinxing alone is 隐形, not 银行)."""
    phrase = phrase_pinyin(term)
    by_char = key.translate(pinyin_table())
    keys = {phrase: True}
    if "lv" in phrase or "nv" in phrase:
        keys.setdefault(phrase.replace("lv", "lu").replace("nv", "nu"), True)  # lü typed as lu
    if by_char not in keys:
        keys[by_char] = False
    return [(k, whole) for k, whole in keys.items() if sum(c.isascii() and c.isalpha() for c in k) >= 4]
