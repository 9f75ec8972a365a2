"""Tag rules that refer to other tags are inlined by the one-pass recompute: a chain of tags each
referring to the previous one twice doubles at every step. The expansion is bounded on save (a 400
naming the rule), and a rule stored past the bound is recomputed without being inlined."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import CustomerTag, TagDefinition
from rm_portal.customers.rules import MAX_EXPANDED_NODES, expanded_sizes, resolve_tag, validate
from rm_portal.customers.services.tags import RuleContext, tag_create, tag_update, tags_recompute
from tests.customers.factories import customer, indicators

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(b01, rm01a):
    indicators()
    customer("A1", rm01a, b01, {"aum": 2_000_000})
    customer("A2", rm01a, b01, {"aum": 10})


def chain(length: int, *, through_service: bool = True) -> None:
    """t0 = aum > 100; t(n) = tag(t(n-1)) or tag(t(n-1)): 2^(n+1) - 1 nodes once expanded."""
    for step in range(length):
        rule = "aum > 100" if step == 0 else f"tag(t{step - 1}) or tag(t{step - 1})"
        if through_service:
            tag_create(code=f"t{step}", name=f"链{step}", rule=rule, recompute=False)
        else:  # as a rule saved before the bound existed
            TagDefinition.objects.create(code=f"t{step}", name=f"链{step}", rule=rule)


def test_the_expanded_size_is_counted_without_expanding(people):
    chain(60, through_service=False)
    context = RuleContext.load()
    trees = {
        tag.code: resolve_tag(validate(tag.rule, **vars(context)).tree, context.tags)
        for tag in TagDefinition.objects.all()
    }
    sizes = expanded_sizes(trees)
    assert sizes["t0"] == 1 and sizes["t3"] == 15 and sizes["t59"] == 2**60 - 1


def test_a_rule_expanding_past_the_bound_is_refused_naming_the_reference(api, hq_admin, people):
    chain(9)  # t8 expands to 511 nodes
    r = api(hq_admin).post(
        "/api/v1/tags/",
        {"code": "t9", "name": "链9", "category": "", "rule": "aum > 1 and (tag(t8) or tag(链8))"},
        format="json",
    )
    assert r.status_code == 400, r.content
    message = r.json()["rule"][0]
    assert "1,025" in message and "1,000" in message and "tag(t8)" in message and message.startswith("位置 ")
    assert not TagDefinition.objects.filter(code="t9").exists()
    # Just under the bound is fine.
    assert api(hq_admin).post(
        "/api/v1/tags/", {"code": "t9", "name": "链9", "category": "", "rule": "tag(t8)"}, format="json"
    ).status_code in (200, 201)


def test_changing_a_referenced_rule_may_not_push_a_referring_tag_past_the_bound(people):
    chain(9)  # t8: 511 nodes; with t0 three nodes instead of one, t8 would be 1,023
    with pytest.raises(Invalid) as refused:
        tag_update(tag=TagDefinition.objects.get(code="t0"), rule="aum > 100 and aum < 900000000")
    assert "t8" in refused.value.fields["rule"][0]
    assert TagDefinition.objects.get(code="t0").rule == "aum > 100"


def test_rules_stored_past_the_bound_are_recomputed_without_inlining(people):
    chain(24, through_service=False)  # t23 would inline to 2^24 - 1 nodes
    with CaptureQueriesContext(connection) as queries:
        result = tags_recompute()
    assert set(result) == {f"t{step}" for step in range(24)}
    assert all(change == {"added": 1, "removed": 0} for change in result.values()), result
    holders = set(CustomerTag.objects.values_list("tag__code", "customer__cust_no"))
    assert holders == {(f"t{step}", "A1") for step in range(24)}
    # The work is bounded: no statement carries an expanded chain.
    assert max(len(query["sql"]) for query in queries.captured_queries) < 40 * MAX_EXPANDED_NODES
    assert all(change == {"added": 0, "removed": 0} for change in tags_recompute().values())
