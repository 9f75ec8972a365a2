"""Generation over the narrow feature table, and split by customer-id range (issue 14)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rm_portal.core.models import Job
from rm_portal.customers.models import CustomerTag, IndicatorValues
from rm_portal.customers.rules import evaluate
from rm_portal.customers.services.tags import RuleContext, tag_create, tags_recompute
from rm_portal.opportunities.conditions import condition_parse
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.services.generation import opportunity_rules_run
from rm_portal.opportunities.services.split import opportunity_rules_run_split, spans
from tests.customers.factories import indicators
from tests.customers.test_features import make_bank
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db

CONDITIONS = {
    "rich_older": "tag(高净值) and age >= 40",
    "due_no_payroll": "not is_payroll = true and td_maturing_days <= 10",
    "woman_or_small": "gender = '女' or aum < 1000",
}


@pytest.fixture
def bank(b01, rm01a, rm01b):
    indicators()
    tag_create(code="hnw", name="高净值", rule="aum >= 1000000", recompute=False)
    made = make_bank(b01, rm01a, 150) + make_bank(b01, rm01b, 150, seed=11, start=500)
    tags_recompute()
    for priority, (code, condition) in enumerate(CONDITIONS.items()):
        rule(code=code, condition=condition, priority=priority * 10, script="{customer_name}/{rm_name}/{aum}")
    return made


def python_opportunities() -> set[tuple[str, str]]:
    """The per-customer Python way: evaluate each condition on each customer's wide record."""
    context = RuleContext.load()
    held: dict[int, set[str]] = {}
    for customer_id, code in CustomerTag.objects.values_list("customer_id", "tag__code"):
        held.setdefault(customer_id, set()).add(code)
    expected = set()
    for r in OpportunityRule.objects.all():
        tree = condition_parse(r.condition, context=context).tree
        for customer_id, cust_no, values in IndicatorValues.objects.filter(is_latest=True).values_list(
            "customer_id", "customer__cust_no", "values"
        ):
            if evaluate(tree, values, held.get(customer_id, set())):
                expected.add((r.code, cust_no))
    return expected


def stored() -> set[tuple]:
    return {
        (o.rule.code, o.customer.cust_no, o.assignee_id, o.script, str(o.reason))
        for o in Opportunity.objects.select_related("rule", "customer")
    }


def test_generation_agrees_with_the_per_customer_python_way(bank):
    created = opportunity_rules_run()
    found = set(Opportunity.objects.values_list("rule__code", "customer__cust_no"))
    assert found == python_opportunities() and sum(created.values()) == len(found) > 100
    values = dict(IndicatorValues.objects.filter(is_latest=True).values_list("customer__cust_no", "values"))
    for o in Opportunity.objects.select_related("customer")[:200]:
        for item in o.reason["indicators"]:
            # The reason shows the value as the wide record holds it (3, not 3.0; true, not 1).
            assert item["value"] == values[o.customer.cust_no].get(item["code"])
            assert type(item["value"]) is type(values[o.customer.cust_no].get(item["code"]))


def test_a_run_split_by_customer_range_gives_the_same_opportunities_as_one_run(
    bank, hq_admin, django_capture_on_commit_callbacks
):
    opportunity_rules_run()
    one_run = stored()
    Opportunity.objects.all().delete()
    OpportunityRule.objects.update(last_run_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        job = opportunity_rules_run_split(owner=hq_admin, parts=4)
    job = Job.objects.get(pk=job.pk)
    assert job.state == Job.State.DONE and (job.processed, job.total) == (4, 4)
    assert sum(job.result["created"].values()) == len(one_run)
    assert stored() == one_run
    assert OpportunityRule.objects.filter(last_run_at=None).count() == 0


def test_the_command_queues_a_split_run(bank, hq_admin, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_opportunity_rules", "--parts", "3", "--owner", hq_admin.username)
    assert "in 3 parts" in capsys.readouterr().out
    assert Opportunity.objects.count() == len(python_opportunities())


def test_spans_cover_the_ids_once():
    assert spans(1, 10, 3) == [(1, 3), (4, 7), (8, 10)]
    assert spans(5, 5, 4) == [(5, 5)]
    covered = [i for low, high in spans(3, 1000, 7) for i in range(low, high + 1)]
    assert covered == list(range(3, 1001))


def test_generation_query_count_does_not_grow_with_customers(b01, rm01a):
    indicators()
    tag_create(code="hnw", name="高净值", rule="aum >= 1000000", recompute=False)
    for code, condition in CONDITIONS.items():
        rule(code=code, condition=condition, cooldown_days=0)
    counts = []
    for n in (20, 200):
        make_bank(b01, rm01a, n, seed=n, start=n * 10)
        tags_recompute()
        opportunity_rules_run()  # the first run adds the feature columns these rules read
        Opportunity.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            created = opportunity_rules_run()
        assert sum(created.values()) > 0
        counts.append(len(queries))
    assert counts[0] == counts[1]


MANY = [
    "aum >= 500000",
    "age >= 30",
    "age < 50 and aum < 2000000",
    "gender = '女'",
    "tag(高净值)",
    "td_maturing_days <= 20",
    "not is_payroll = true",
    "aum < 100000 or age > 60",
]


def _many_rules() -> None:
    for i, condition in enumerate(MANY):
        # Priorities tie in pairs: the rule code breaks the tie, in both ways alike.
        rule(code=f"many{i}", condition=condition, priority=i // 2, script="{customer_name}/{rm_name}/{aum}")


def test_many_rules_at_once_give_what_rule_after_rule_gives_with_the_cap(bank):
    _many_rules()
    # Some customers already hold two open opportunities: only one more may come.
    first = OpportunityRule.objects.get(code="rich_older")
    opportunity_rules_run(rules=[first, OpportunityRule.objects.get(code="woman_or_small")])
    before, kept = stored(), list(Opportunity.objects.values_list("pk", flat=True))
    opportunity_rules_run(one_pass=False)
    rule_by_rule = stored()
    Opportunity.objects.exclude(pk__in=kept).delete()
    OpportunityRule.objects.update(last_run_at=None)
    assert stored() == before
    created = opportunity_rules_run()
    assert stored() == rule_by_rule
    assert sum(created.values()) == len(rule_by_rule) - len(before)
    per_customer: dict[str, int] = {}
    for _code, cust_no, *_rest in rule_by_rule:
        per_customer[cust_no] = per_customer.get(cust_no, 0) + 1
    assert max(per_customer.values()) == 3  # the cap bit somewhere
    assert len({code for code, *_rest in rule_by_rule}) > len(CONDITIONS)


def test_generation_query_count_does_not_grow_with_rules(bank):
    counts = []
    for extra in (0, len(MANY)):
        if extra:
            _many_rules()
        opportunity_rules_run()  # the first run adds the feature columns these rules read
        Opportunity.objects.all().delete()
        OpportunityRule.objects.update(last_run_at=None)
        with CaptureQueriesContext(connection) as queries:
            created = opportunity_rules_run()
        assert sum(created.values()) > 0
        counts.append(len(queries))
        Opportunity.objects.all().delete()
        OpportunityRule.objects.update(last_run_at=None)
    assert counts[0] == counts[1]
