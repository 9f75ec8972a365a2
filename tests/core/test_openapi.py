"""The OpenAPI document at /api/schema/ is complete and clean: drf-spectacular generates it without a
single error or warning (an error means a view was left out of the document), it validates against
the OpenAPI 3 meta-schema, and every endpoint of the public contract (docs/api.md) is in it with its
method."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

CONTRACT_ENDPOINTS = [
    ("get", "/api/v1/me/"),
    ("post", "/api/v1/auth/token/"),
    ("get", "/api/v1/customers/"),
    ("get", "/api/v1/customers/{cust_no}/"),
    ("post", "/api/v1/customers/import/"),
    ("get", "/api/v1/jobs/{id}/"),
    ("get", "/api/v1/tags/"),
    ("post", "/api/v1/tags/"),
    ("get", "/api/v1/opportunity-rules/"),
    ("post", "/api/v1/opportunity-rules/"),
    ("post", "/api/v1/opportunity-rules/{code}/run/"),
    ("get", "/api/v1/opportunity-rules/{code}/stats/"),
    ("get", "/api/v1/opportunities/"),
    ("post", "/api/v1/opportunities/{id}/complete/"),
    ("post", "/api/v1/opportunities/{id}/review/"),
    ("post", "/api/v1/staff/{username}/handover/"),
    ("get", "/api/v1/staff/{username}/handover/preview/"),
    ("get", "/api/v1/handovers/"),
    ("get", "/api/v1/handovers/{id}/"),
    ("get", "/api/v1/materials/"),
    ("post", "/api/v1/materials/"),
    ("post", "/api/v1/materials/{id}/share/"),
    ("get", "/api/v1/materials/{id}/poster.png"),
    ("get", "/api/v1/shares/stats/"),
    ("get", "/api/v1/checklists/templates/"),
    ("post", "/api/v1/checklists/templates/"),
    ("get", "/api/v1/checklists/today/"),
    ("post", "/api/v1/checklists/items/{id}/complete/"),
    ("get", "/api/v1/checklists/runs/"),
    ("post", "/api/v1/checklists/runs/{id}/audit/"),
    ("get", "/api/v1/notifications/"),
    ("get", "/api/v1/compliance/messages/"),
    ("post", "/api/v1/compliance/messages/"),
    ("post", "/api/v1/compliance/check/"),
    ("get", "/api/v1/compliance/terms/"),
    ("post", "/api/v1/compliance/terms/"),
    ("get", "/api/v1/compliance/alerts/"),
    ("post", "/api/v1/compliance/alerts/{id}/resolve/"),
    ("get", "/api/v1/compliance/export/"),
    ("get", "/api/v1/compliance/audit/"),
]


@pytest.fixture(scope="module")
def generated() -> tuple[dict, list[str], list[str]]:
    """The public schema, generated once, with the warnings and errors drf-spectacular reported."""
    GENERATOR_STATS.reset()
    try:
        with GENERATOR_STATS.silence():
            schema = SchemaGenerator().get_schema(request=None, public=True)
        return schema, list(GENERATOR_STATS._warn_cache), list(GENERATOR_STATS._error_cache)
    finally:
        GENERATOR_STATS.reset()


def test_schema_generates_without_errors_or_warnings(generated):
    _, warnings, errors = generated
    assert {"errors": errors, "warnings": warnings} == {"errors": [], "warnings": []}


def test_schema_is_valid_openapi(generated):
    validate_schema(generated[0])


def test_operation_ids_are_unique(generated):
    ids = [
        op["operationId"]
        for item in generated[0]["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    ]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("method", "path"), CONTRACT_ENDPOINTS, ids=[f"{m} {p}" for m, p in CONTRACT_ENDPOINTS]
)
def test_every_design_endpoint_is_documented(generated, method, path):
    paths = generated[0]["paths"]
    assert path in paths, f"{path} is missing from the schema"
    operation = paths[path].get(method)
    assert operation is not None, f"{method.upper()} {path} is missing from the schema"
    assert operation["responses"], f"{method.upper()} {path} documents no response"


def test_schema_is_served(client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    assert "/api/v1/opportunities/{id}/complete/" in r.json()["paths"]


def test_request_bodies_say_unknown_fields_are_refused(generated):
    # validated() answers an unknown field with a 400; the document says so for every request body.
    schemas = generated[0]["components"]["schemas"]
    requests = {name: s for name, s in schemas.items() if name.endswith("Request")}
    assert requests["TemplateInRequest"]["additionalProperties"] is False
    assert requests["ItemInRequest"]["additionalProperties"] is False  # strict one level down too
    assert all(s["additionalProperties"] is False for s in requests.values()), sorted(
        name for name, s in requests.items() if s.get("additionalProperties") is not False
    )
    # Answers stay open: a response may gain a field without breaking a client.
    assert "additionalProperties" not in schemas["NotificationOut"]


def test_what_the_document_says_of_a_request_body_holds(anon, rm01a, password):
    r = anon.post("/api/v1/auth/token/", {"username": "rm01a", "password": password, "remember": True})
    assert r.status_code == 400 and r.json() == {"remember": ["未知字段"]}
