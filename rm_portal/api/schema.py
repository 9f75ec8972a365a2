"""Additions to the generated OpenAPI document that hold for every operation."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "description": (
        '`{"detail": "…"}` for the request as a whole, `{"field": ["…"]}` for one field, or both. '
        "The text is in the caller's language (Simplified Chinese by default)."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"description": "the errors of one field: a list of messages, or nested"},
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every operation answers its client errors with the one error shape: say so once, here."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault(
                    "4XX",
                    {
                        "description": "The request was refused: bad input (400), no credentials (401), "
                        "a role outside the endpoint (403), not found or not yours (404), a state that "
                        "forbids it (409), too large (413), too many attempts (429).",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


def forbid_unknown_fields(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Request bodies are strict: `rm_portal.api.inputs.validated` answers an unknown field with a 400
    naming it (a misspelt field is an error, not silently dropped). Say so in every request component
    (`…Request`, split from the responses by COMPONENT_SPLIT_REQUEST), so a client's generated
    models refuse the typo before it is sent. Responses stay open: they may gain fields."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result
