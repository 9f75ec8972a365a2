"""The append-only history of the lexicon and detector settings (ConfigChange)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from compliance.models import ConfigChange, DetectorSetting, Term


def term_state(term: Term) -> dict[str, Any]:
    return {
        "term": term.term,
        "category": term.category,
        "severity": term.severity,
        "allow": list(term.allow),
        "suggestion": term.suggestion,
        "active": term.active,
    }


def detector_state(row: DetectorSetting) -> dict[str, Any]:
    return {"enabled": row.enabled, "severity": row.severity, "allow_domains": list(row.allow_domains)}


def change_record(
    *, kind: str, key: str, before: dict[str, Any] | None, after: dict[str, Any], by: User | None
) -> None:
    if before != after:
        ConfigChange.objects.create(kind=kind, key=key, before=before, after=after, by=by)
