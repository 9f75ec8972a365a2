"""Every operation's successful responses are typed in the OpenAPI document (no bare `object`, no
stub), and the response checker that every API test goes through really rejects what the document
does not describe."""

from __future__ import annotations

import pytest

from tests.openapi import conforms, document, operations

pytestmark = pytest.mark.django_db


def _untyped(schema: dict) -> bool:
    resolved = schema
    while "$ref" in resolved:
        resolved = document()["components"]["schemas"][resolved["$ref"].rsplit("/", 1)[1]]
    if resolved.get("type") == "string" and resolved.get("format") == "binary":
        return False
    if resolved.get("type") == "array":
        return _untyped(resolved.get("items", {}))
    if any(key in resolved for key in ("allOf", "oneOf", "anyOf")):
        return False
    if resolved.get("type") == "object" or not resolved.get("type"):
        return not resolved.get("properties") and not isinstance(resolved.get("additionalProperties"), dict)
    return False


@pytest.mark.parametrize(("method", "path"), operations(), ids=lambda v: v)
def test_every_success_response_is_typed(method, path):
    operation = document()["paths"][path][method]
    successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    assert successes, f"{method.upper()} {path} documents no success response"
    for code, response in successes.items():
        for media, body in response.get("content", {}).items():
            assert not _untyped(body.get("schema", {})), f"{method.upper()} {path} {code} {media} is untyped"


def test_every_operation_documents_its_error_shape():
    for method, path in operations():
        assert "4XX" in document()["paths"][path][method]["responses"], f"{method.upper()} {path}"


def test_the_checker_refuses_an_undocumented_key_a_wrong_type_and_a_missing_key():
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["code", "n"],
    }
    conforms(schema, {"code": "B01", "n": 1})
    for wrong in ({"code": "B01", "n": 1, "extra": 1}, {"code": "B01", "n": "1"}, {"code": "B01"}):
        with pytest.raises(AssertionError):
            conforms(schema, wrong)
    with pytest.raises(AssertionError):
        conforms({"type": "integer"}, True)
    with pytest.raises(AssertionError):
        conforms({"type": "string"}, None)
