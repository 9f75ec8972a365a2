from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from compliance.models import SearchAudit


def search_audit_create(
    *, user: User, action: str, filters: dict[str, Any], result_count: int
) -> SearchAudit:
    """Every search, export and read of archived content is itself evidence: who looked for what
    (the search's filters, or `{"alert": id}` / `{"conversation": id}`), when, and how much came back.

    Called by every API view and page that shows message content (docs/compliance.md, "Audit")."""
    return SearchAudit.objects.create(user=user, action=action, filters=filters, result_count=result_count)
