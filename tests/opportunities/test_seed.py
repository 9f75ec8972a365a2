from __future__ import annotations

import pytest

from rm_portal.customers import seed as customers_seed
from rm_portal.opportunities import seed as opportunities_seed
from rm_portal.opportunities.models import Opportunity, OpportunityRule, RuleKind
from rm_portal.org import seed as org_seed

pytestmark = pytest.mark.django_db


def test_seed_makes_rules_of_both_classes_a_first_run_and_some_history_and_is_idempotent(monkeypatch):
    monkeypatch.setattr(
        customers_seed,
        "OWNERS",
        [("rm01a", "B01", 200), ("rm01b", "B01", 150), ("rm02a", "B02", 150), (None, "B01", 10)],
    )
    quiet = lambda *_: None  # noqa: E731
    org_seed.seed(password="seed-password-1", log=quiet)
    customers_seed.seed(password="seed-password-1", log=quiet)
    opportunities_seed.seed(password="seed-password-1", log=quiet)
    rules = OpportunityRule.objects.all()
    assert rules.count() >= 12
    assert {rule.kind for rule in rules} == {RuleKind.MAINTAIN, RuleKind.MINE}
    assert rules.filter(
        name="大额定期3天内到期", condition="td_maturing_days <= 3 and aum >= 200000"
    ).exists()
    assert Opportunity.objects.filter(rule__code="td_maturing_7d").exists()
    assert Opportunity.objects.filter(status="done").count() >= 6
    assert Opportunity.objects.filter(accurate__isnull=False).exists()
    before = sorted(Opportunity.objects.values_list("id", "status", "assignee_id"))
    opportunities_seed.seed(password="seed-password-1", log=quiet)
    assert sorted(Opportunity.objects.values_list("id", "status", "assignee_id")) == before
    assert OpportunityRule.objects.count() == rules.count()


def test_the_full_demo_gives_each_rm_tens_of_open_opportunities_not_hundreds():
    """The whole demo bank (3,000 customers, ~1,000 per RM): a list one can triage in a morning."""
    quiet = lambda *_: None  # noqa: E731
    org_seed.seed(password="seed-password-1", log=quiet)
    customers_seed.seed(password="seed-password-1", log=quiet)
    opportunities_seed.seed(password="seed-password-1", log=quiet)
    open_rows = Opportunity.objects.filter(status="open")
    for username in ("rm01a", "rm01b", "rm02a"):
        n = open_rows.filter(assignee__username=username).count()
        assert 20 <= n <= 120, (username, n)
    # and the work is spread over the rules, not one rule's flood
    per_rule = [open_rows.filter(rule=rule).count() for rule in OpportunityRule.objects.all()]
    assert max(per_rule) <= 40 and sum(1 for n in per_rule if n) >= 12
