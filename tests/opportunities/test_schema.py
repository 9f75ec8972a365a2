"""Every opportunities response has exactly the shape the OpenAPI document gives it.

The views render with `rule_out` / `opportunity_out` and the selectors; `rm_portal.opportunities.schema`
only describes those shapes, so this checks real responses against the generated document."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.execution import opportunity_complete
from rm_portal.opportunities.services.generation import opportunity_rules_run
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db

TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


@pytest.fixture(scope="module")
def document() -> dict:
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    GENERATOR_STATS.reset()
    return schema


def conforms(document: dict, schema: dict, value: object, where: str = "$") -> None:
    """Assert `value` matches `schema`: every documented key present, no undocumented key, and the
    types, enums and nullability as documented."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if value is None:
        assert schema.get("nullable") or any(
            "NullEnum" in option.get("$ref", "") for option in schema.get("oneOf", [])
        ), f"{where} is null but not nullable"
        return
    if "allOf" in schema:
        for part in schema["allOf"]:
            conforms(document, part, value, where)
        return
    if "oneOf" in schema:
        options = [o for o in schema["oneOf"] if "NullEnum" not in o.get("$ref", "")]
        assert len(options) == 1, f"{where}: unexpected oneOf"
        conforms(document, options[0], value, where)
        return
    if "enum" in schema:
        assert value in schema["enum"], f"{where}={value!r} not in {schema['enum']}"
    kind = schema.get("type")
    if kind is None:
        return
    assert isinstance(value, TYPES[kind]) and not (
        kind in ("integer", "number") and isinstance(value, bool)
    ), f"{where}={value!r} is not {kind}"
    if kind == "array":
        for i, item in enumerate(value):  # type: ignore[arg-type]
            conforms(document, schema["items"], item, f"{where}[{i}]")
    if kind == "object" and "properties" in schema:
        assert set(value) == set(schema["properties"]), f"{where}: keys {sorted(value)} vs documented"  # type: ignore[arg-type]
        for key, sub in schema["properties"].items():
            conforms(document, sub, value[key], f"{where}.{key}")  # type: ignore[index]


def check(document: dict, path: str, method: str, response, status: int = 200) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    documented = document["paths"][path][method]["responses"][str(status)]
    conforms(document, documented["content"]["application/json"]["schema"], response.json(), path)


def test_responses_match_the_document(document, api, world, rm01a, lead01, hq_admin):  # type: ignore[no-untyped-def]
    rule()
    opportunity_rules_run()
    done = Opportunity.objects.get(customer__cust_no="C1")
    opportunity_complete(opportunity=done, by=rm01a, outcome="converted", amount=100)
    open_one = Opportunity.objects.get(customer__cust_no="C5")  # ownerless: the lead works it

    body = {"code": "mine1", "name": "挖潜", "kind": "mine", "condition": "aum >= 1"}
    check(
        document,
        "/api/v1/opportunity-rules/",
        "post",
        api(hq_admin).post("/api/v1/opportunity-rules/", body, format="json"),
        201,
    )
    check(document, "/api/v1/opportunity-rules/", "get", api(rm01a).get("/api/v1/opportunity-rules/"))
    check(
        document, "/api/v1/opportunity-rules/{code}/", "get", api(rm01a).get("/api/v1/opportunity-rules/td7/")
    )
    check(
        document,
        "/api/v1/opportunity-rules/{code}/",
        "patch",
        api(hq_admin).patch("/api/v1/opportunity-rules/mine1/", {"priority": 5}, format="json"),
    )
    check(
        document,
        "/api/v1/opportunity-rules/{code}/run/",
        "post",
        api(hq_admin).post("/api/v1/opportunity-rules/td7/run/"),
    )
    check(
        document,
        "/api/v1/opportunity-rules/{code}/stats/",
        "get",
        api(lead01).get("/api/v1/opportunity-rules/td7/stats/"),
    )
    check(
        document,
        "/api/v1/opportunity-stats/rules/",
        "get",
        api(lead01).get("/api/v1/opportunity-stats/rules/"),
    )
    for scope in ("branch", "bank"):
        board = api(rm01a).get(f"/api/v1/opportunity-stats/leaderboard/?scope={scope}")
        assert board.json()["results"]
        check(document, "/api/v1/opportunity-stats/leaderboard/", "get", board)
    for wanted in ("open", "done"):
        listed = api(lead01).get(f"/api/v1/opportunities/?status={wanted}")
        assert listed.json()["results"]
        check(document, "/api/v1/opportunities/", "get", listed)
    check(document, "/api/v1/opportunities/{id}/", "get", api(rm01a).get(f"/api/v1/opportunities/{done.pk}/"))
    review = api(lead01).post(f"/api/v1/opportunities/{done.pk}/review/", {"accurate": True}, format="json")
    assert review.json()["review"] is not None
    check(document, "/api/v1/opportunities/{id}/review/", "post", review)
    completed = api(lead01).post(
        f"/api/v1/opportunities/{open_one.pk}/complete/", {"outcome": "contacted"}, format="json"
    )
    check(document, "/api/v1/opportunities/{id}/complete/", "post", completed)
