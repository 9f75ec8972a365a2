"""Every API response a test receives is checked against the OpenAPI document, as Zulip checks its
responses against its OpenAPI file: a response the document does not describe fails the test that
received it. `checked_operations` records which operations answered 2xx and conformed, so the
session can tell which operations no test exercised."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}
METHODS = ("get", "post", "put", "patch", "delete")

checked_operations: set[tuple[str, str]] = set()


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    GENERATOR_STATS.reset()
    return schema


@lru_cache(maxsize=1)
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = []
    for template in document()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    # Literal segments before parameters: /materials/stats/ must not be taken for /materials/{id}/.
    routes.sort(key=lambda route: route[1].count("{"))
    return routes


def operations() -> list[tuple[str, str]]:
    return [
        (method, path) for path, item in document()["paths"].items() for method in item if method in METHODS
    ]


def template_of(path: str) -> str | None:
    for pattern, template in _routes():
        if pattern.match(path):
            return template
    return None


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _nullable(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    if schema.get("nullable") or schema.get("type") == "null":
        return True
    options = schema.get("oneOf", []) + schema.get("anyOf", [])
    return any("NullEnum" in o.get("$ref", "") or _nullable(o) for o in options) or bool(
        schema.get("enum") and None in schema["enum"]
    )


def conforms(schema: dict[str, Any], value: object, where: str = "$") -> None:
    """Assert `value` matches `schema`: required keys present, no undocumented key, and the types,
    enums and nullability as documented."""
    schema = _resolve(schema)
    if value is None:
        assert _nullable(schema), f"{where} is null but not nullable"
        return
    for part in schema.get("allOf", []):
        conforms(part, value, where)
    options = [
        o for o in schema.get("oneOf", []) + schema.get("anyOf", []) if "NullEnum" not in o.get("$ref", "")
    ]
    if options:
        failures = []
        for option in options:
            try:
                conforms(option, value, where)
                break
            except AssertionError as failure:
                failures.append(str(failure))
        else:
            raise AssertionError(f"{where} matches none of its oneOf: {failures}")
    if "enum" in schema:
        assert value in schema["enum"], f"{where}={value!r} not in {schema['enum']}"
    kind = schema.get("type")
    if kind is None:
        return
    assert isinstance(value, TYPES[kind]) and not (
        kind in ("integer", "number") and isinstance(value, bool)
    ), f"{where}={value!r} is not {kind}"
    if kind == "array":
        assert "items" in schema, f"{where}: an array without documented items"
        for index, item in enumerate(value):
            conforms(schema["items"], item, f"{where}[{index}]")
    if kind == "object":
        assert isinstance(value, dict)
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        assert properties or extra is not None, f"{where}: an object documented without properties"
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{where}: documented keys {sorted(missing)} are missing"
        for key, item in value.items():
            if key in properties:
                conforms(properties[key], item, f"{where}.{key}")
            elif isinstance(extra, dict):
                conforms(extra, item, f"{where}.{key}")
            else:
                assert extra is True, f"{where}: key {key!r} is not documented"


def _documented(operation: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = operation["responses"]
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return responses[key]
    return None


def check_response(method: str, path: str, response: Any) -> None:
    """Fail unless the document describes this response: its status, its media type, its body."""
    if path.startswith("/api/v1/test/"):  # test-only views
        return
    template = template_of(path)
    if template is None:
        if response.status_code == 404:
            return  # an unknown URL answers the JSON 404 of the API's error handler
        raise AssertionError(f"{method.upper()} {path}: no operation in the OpenAPI document")
    operation = document()["paths"][template].get(method)
    if operation is None:
        assert response.status_code in (404, 405), f"{method.upper()} {template} is not documented"
        return
    status = response.status_code
    documented = _documented(operation, status)
    assert documented is not None, f"{method.upper()} {template} answered {status}, which is not documented"
    content = documented.get("content")
    if not content:
        assert not response.content, f"{method.upper()} {template} {status}: a body the document omits"
        if 200 <= status < 300:  # a 204 is exercised too, though it has no body to check
            checked_operations.add((method, template))
        return
    media = response.get("Content-Type", "").split(";")[0].strip()
    assert media in content, f"{method.upper()} {template} {status}: {media} not in {sorted(content)}"
    if media == "application/json":
        conforms(content[media]["schema"], response.json(), f"{method.upper()} {template} {status}")
    if 200 <= status < 300:
        checked_operations.add((method, template))
