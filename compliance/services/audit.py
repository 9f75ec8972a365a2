from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from compliance.models import SearchAudit


def search_audit_create(
    *, user: User, action: str, filters: dict[str, Any], result_count: int
) -> SearchAudit:
    """Every search and export is itself evidence: who looked for what, when, and how much came back."""
    return SearchAudit.objects.create(user=user, action=action, filters=filters, result_count=result_count)
