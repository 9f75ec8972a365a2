"""Built-in detectors beside the lexicon: contact details and identity numbers (docs/compliance.md).

Numbers are found in the compact text (folded and separators removed), so 幺三八 零零幺三 八零零零
and ①③⑧-0013-8000 are the mobile number they spell; the matcher maps each span back to the
original text and applies the same gap and clause rules as to a term. E-mail addresses, URLs and
WeChat/QQ ids after their keywords need their punctuation (@ . : _) and are found in the
one-to-one folded text, whose offsets are the original's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# kind → (label shown to officers and in hits, default severity)
KINDS: dict[str, tuple[str, str]] = {
    "mobile": ("手机号码", "warn"),
    "landline": ("固定电话", "warn"),
    "contact_id": ("微信/QQ号", "warn"),
    "email": ("电子邮箱", "warn"),
    "url": ("外部链接", "warn"),
    "bank_card": ("银行卡号", "block"),
    "id_number": ("身份证号", "block"),
}
# ASCII contact keywords: digits glued straight after one still make a hit (qq12345678).
CONTACT_KEYWORDS = frozenset({"vx", "wx", "qq", "wechat", "weixin"})

_NUMBER_RUN = re.compile(r"(?<![0-9])[0-9]{10,19}x?(?![0-9])")
_MOBILE = re.compile(r"(?:86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
_KEYWORD = r"(?:(?<![a-z0-9])(?:vx|wx|v|wechat|weixin|qq)|v信|微信|薇信|威信|扣扣|企鹅)"
_GLUED_KEYWORD = r"(?:(?<![a-z0-9])(?:vx|wx|wechat|weixin|qq)|v信|微信|薇信|威信|扣扣|企鹅)"
_ID = r"[a-z][a-z0-9_-]{5,19}"
_ID_MARKED = r"[a-z](?=[a-z]*[0-9_-])[a-z0-9_-]{5,19}"  # holds a digit, _ or -: not an English word
_QQ = r"[1-9][0-9]{4,11}"
_END = r"(?![a-z0-9_-])"
# After a colon (or 号/id), any id; glued to the keyword, any id (not after a bare v: vision2020);
# after a mere space, only an id that cannot be an English word (wechat official is not an id).
_CONTACT = re.compile(
    rf"{_KEYWORD}(?:号码|号|id)?\s{{0,2}}[:=]\s{{0,2}}(?:{_ID}|{_QQ}){_END}"
    rf"|{_GLUED_KEYWORD}(?:号码|号|id)?(?:{_ID}|{_QQ}){_END}"
    rf"|{_KEYWORD}(?:号码|号|id)?\s{{1,3}}(?:{_ID_MARKED}|{_QQ}){_END}"
)
_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_TLDS = "com|cn|net|org|info|io|cc|top|xyz|vip|me|co|tv|biz|site|shop|link|app|hk|tw|ly|gl"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'，。！？；、]+"
    rf"|(?<![a-z0-9@._-])(?:[a-z0-9-]+\.)+(?:{_TLDS})(?![a-z0-9-])(?:[/?#:][^\s<>\"'，。！？；、]*)?"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def id_number(candidate: str) -> bool:
    """A mainland resident ID (GB 11643): 18 characters, a plausible birth date, the check digit."""
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    year, month, day = int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14])
    if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(c) * w for c, w in zip(candidate[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == candidate[17]


def classify_number(run: str) -> str | None:
    if id_number(run):
        return "id_number"
    if run.endswith("x"):
        return None
    if 16 <= len(run) <= 19 and run[0] != "0" and luhn(run):
        return "bank_card"
    if _MOBILE.fullmatch(run):
        return "mobile"
    if _LANDLINE.fullmatch(run):
        return "landline"
    return None


def host_allowed(url: str, allow: Iterable[str]) -> bool:
    host = re.sub(r"^(?:https?://)?", "", url).split("/")[0].split("?")[0].split("#")[0].split(":")[0]
    return any(host == d or host.endswith("." + d) for d in allow)


@dataclass(frozen=True)
class Rule:
    kind: str
    severity: str

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]


@dataclass(frozen=True)
class Detectors:
    """The enabled detectors with their severities, and the bank's own domains (never a hit)."""

    rules: tuple[Rule, ...] = ()
    allow_domains: tuple[str, ...] = ()

    @classmethod
    def defaults(cls) -> Detectors:
        return cls(tuple(Rule(kind, severity) for kind, (_label, severity) in KINDS.items()))

    def rule(self, kind: str) -> Rule | None:
        for rule in self.rules:
            if rule.kind == kind:
                return rule
        return None

    def in_packed(self, packed: str) -> list[tuple[Rule, int, int]]:
        """Number detectors over the compact text: spans in compact offsets."""
        out = []
        for match in _NUMBER_RUN.finditer(packed):
            kind = classify_number(match.group())
            rule = self.rule(kind) if kind else None
            if rule is not None:
                out.append((rule, match.start(), match.end()))
        return out

    def in_folded(self, folded: str) -> list[tuple[Rule, int, int]]:
        """Detectors that need punctuation, over the one-to-one folded text: original offsets."""
        out = []
        contact, email, url = self.rule("contact_id"), self.rule("email"), self.rule("url")
        if contact is not None:
            out += [(contact, m.start(), m.end()) for m in _CONTACT.finditer(folded)]
        if email is not None and "@" in folded:
            out += [(email, m.start(), m.end()) for m in _EMAIL.finditer(folded)]
        if url is not None and "." in folded:
            for m in _URL.finditer(folded):
                found = m.group().rstrip(".,;:!?)")
                if not host_allowed(found, self.allow_domains):
                    out.append((url, m.start(), m.start() + len(found)))
        return out
