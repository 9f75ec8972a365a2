"""The lexicon: term edits bump a version; every process rebuilds its automaton when it moves.

A process asks for the version at most every VERSION_TTL seconds (a monotonic clock of its own),
so a check costs no cache round trip and no query; the version itself is kept in Django's cache
(shared: Redis when scaled, the file cache embedded) so that the processes between them read the
database about once per VERSION_TTL. An edit reaches every web process and worker within
2 × VERSION_TTL seconds, without a restart; the process that made the edit sees it at once.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from compliance.matching import Hit, Lexicon, TermSpec, compact
from compliance.models import ConfigChange, LexiconVersion, Severity, Term
from compliance.services.history import change_record, term_state
from rm_portal.core.errors import Conflict, Invalid

logger = logging.getLogger(__name__)

VERSION_KEY = "compliance:lexicon-version"
VERSION_TTL = 2  # seconds a process may keep using a lexicon after an edit elsewhere

_lock = threading.Lock()
_current: Lexicon | None = None
# (version, monotonic time it was read): the process's own memory of the version.
_seen: tuple[int, float] | None = None


def lexicon_version() -> int:
    """The stored version, as this process last read it within VERSION_TTL seconds."""
    global _seen
    seen = _seen
    now = time.monotonic()
    if seen is not None and now - seen[1] < VERSION_TTL:
        return seen[0]
    version = _shared_version()
    _seen = (version, now)
    return version


def _shared_version() -> int:
    # The cache only spares a query: when it is down (Redis gone), read the database, so that an
    # archive write or a check never fails for it.
    try:
        version = cache.get(VERSION_KEY)
    except Exception:  # any backend's failure: redis-py's errors, the file cache's OSError
        logger.warning("cache unavailable, reading the lexicon version from the database", exc_info=True)
        version, cached = None, False
    else:
        cached = True
    if version is None:
        row = LexiconVersion.objects.filter(pk=1).values_list("version", flat=True).first()
        version = row or 0
        if cached:
            try:
                cache.set(VERSION_KEY, version, VERSION_TTL)
            except Exception:
                logger.warning("cache unavailable, lexicon version not cached", exc_info=True)
    return int(version)


def _build(version: int) -> Lexicon:
    from compliance.services.detectors import detector_config

    specs = [
        TermSpec(
            term=t.term,
            category=t.category,
            severity=t.severity,
            allow=tuple(t.allow or ()),
            suggestion=t.suggestion,
        )
        for t in Term.objects.filter(active=True).order_by("pk")
    ]
    return Lexicon(specs, version=version, detectors=detector_config())


def current_lexicon() -> Lexicon:
    """The process's shared automaton, rebuilt only when the stored version changed."""
    global _current
    version = lexicon_version()
    lexicon = _current
    if lexicon is not None and lexicon.version == version:
        return lexicon
    with _lock:
        if _current is None or _current.version != version:
            _current = _build(version)
        return _current


def masked(text: str, hits: list[Hit]) -> str:
    """The text with every character of every hit replaced by `*`, one per code point, so the
    masked text has the same length and the hits' spans index it too."""
    if not hits:
        return text
    chars = list(text)
    for hit in hits:
        chars[hit.start : hit.end] = "*" * (hit.end - hit.start)
    return "".join(chars)


def text_check(*, text: str) -> dict[str, Any]:
    """The prevention answer for the compose box: block → not allowed, warn → allowed with a warning."""
    hits: list[Hit] = current_lexicon().check(text)
    # Each suggestion once, in the order of the hits: linear in the hits, however many there are.
    suggestions = list(dict.fromkeys(h.suggestion for h in hits if h.suggestion))
    return {
        "allowed": not any(h.severity == Severity.BLOCK for h in hits),
        "hits": [h.as_dict() for h in hits],
        "suggestions": suggestions,
        "masked": masked(text, hits),
    }


def texts_check(*, texts: list[str]) -> list[list[Hit]]:
    """Many messages at once (ingestion): one pass of the shared automaton over the batch."""
    return current_lexicon().check_many(texts)


def bump_version() -> None:
    """Every process rebuilds its matcher within VERSION_TTL (terms, detector settings)."""
    _bump()


def _bump() -> None:
    updated = LexiconVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        LexiconVersion.objects.create(pk=1, version=1)
    # Now for this process, and again after commit so no process caches the pre-commit version.
    _forget_version()
    transaction.on_commit(_forget_version)


def _forget_version() -> None:
    global _seen
    _seen = None
    # An edit must not fail because the cache is down; a version cached before the outage lapses
    # within VERSION_TTL, so every process still picks the edit up.
    try:
        cache.delete(VERSION_KEY)
    except Exception:
        logger.warning("cache unavailable, lexicon version not cleared", exc_info=True)


def _clean_term(term: str) -> str:
    """The term, stripped; one made only of what matching deletes (spaces, punctuation, symbols,
    zero-width characters) would be stored and match nothing: refused."""
    term = term.strip()
    if not compact(term):
        raise Invalid(fields={"term": _("敏感词只含空白、标点、符号或不可见字符，无法匹配任何内容")})
    return term


def _clean_allow(allow: list[str]) -> list[str]:
    phrases = [a.strip() for a in allow if a.strip()]
    if any(not compact(a) for a in phrases):
        raise Invalid(fields={"allow": _("豁免短语只含空白、标点、符号或不可见字符，无法匹配任何内容")})
    return phrases


@transaction.atomic
def term_create(
    *,
    term: str,
    category: str,
    severity: str,
    allow: list[str] | None = None,
    suggestion: str = "",
    active: bool = True,
    by: User | None = None,
) -> Term:
    term = _clean_term(term)
    allow = _clean_allow(allow or [])
    if Term.objects.filter(term=term).exists():
        raise Conflict(fields={"term": _("该敏感词已存在")})
    row = Term.objects.create(
        term=term,
        category=category.strip(),
        severity=severity,
        allow=allow,
        suggestion=suggestion.strip(),
        active=active,
        updated_by=by,
    )
    change_record(kind="term", key=row.term, before=None, after=term_state(row), by=by)
    _bump()
    return row


@transaction.atomic
def term_update(*, target: Term, by: User | None = None, **fields: Any) -> Term:
    """Edit or deactivate (`active=False`) a term; `fields` may include a new `term` text."""
    term = target
    before = term_state(term)
    if "allow" in fields:
        fields["allow"] = _clean_allow(fields["allow"])
    if "term" in fields:
        fields["term"] = _clean_term(fields["term"])
        if Term.objects.filter(term=fields["term"]).exclude(pk=term.pk).exists():
            raise Conflict(fields={"term": _("该敏感词已存在")})
    for name, value in fields.items():
        setattr(term, name, value)
    term.updated_by = by
    term.save()
    change_record(kind="term", key=term.term, before=before, after=term_state(term), by=by)
    _bump()
    return term


@transaction.atomic
def terms_seed(*, specs: list[tuple[str, str, str, list[str], str]]) -> int:
    """Insert the terms not present yet, one version bump for the lot. Returns how many were new."""
    existing = set(Term.objects.values_list("term", flat=True))
    rows = []
    for t, c, s, a, g in specs:
        if t not in existing:
            existing.add(t)
            rows.append(Term(term=t, category=c, severity=s, allow=a, suggestion=g))
    if rows:
        Term.objects.bulk_create(rows)
        ConfigChange.objects.bulk_create(
            ConfigChange(kind="term", key=row.term, before=None, after=term_state(row)) for row in rows
        )
        _bump()
    return len(rows)
