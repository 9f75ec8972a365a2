"""The OpenAPI document kept in the repository (docs/openapi.yaml) is the one the code generates:
a clone can read the contract without running anything, and it never lags behind."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_the_committed_document_is_current(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "zh-hans", "--file", str(generated))
    assert DOCUMENT.read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
        "docs/openapi.yaml is stale: run `make schema` and commit it"
    )
