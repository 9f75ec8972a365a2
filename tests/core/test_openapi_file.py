"""The OpenAPI document kept in the repository (docs/openapi.yaml) is the one the code generates:
a clone can read the contract without running anything, and it never lags behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


# Integer bounds in the document come from the database backend; the committed document is the
# embedded default's (what `make schema` generates), so the scaled pass does not compare it.
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the committed document is generated on the embedded default (SQLite)",
)
def test_the_committed_document_is_current(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "zh-hans", "--file", str(generated))
    assert DOCUMENT.read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
        "docs/openapi.yaml is stale: run `make schema` and commit it"
    )
