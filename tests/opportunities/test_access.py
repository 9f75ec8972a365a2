"""One policy decides who sees and who works an opportunity: scope() and actionable() agree with
every detail and complete endpoint because those go through the same access functions."""

from __future__ import annotations

import pytest
from django.http import Http404

from rm_portal.opportunities import selectors
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.org.access import actionable, scope
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db


def _seen(user) -> set[str]:
    return set(scope(user, Opportunity.objects.all()).values_list("customer__cust_no", flat=True))


def _worked(user) -> set[str]:
    return set(actionable(user, Opportunity.objects.all()).values_list("customer__cust_no", flat=True))


def test_seeing_is_not_working_a_lead_works_only_the_ownerless_queue_of_the_branch(
    generated, rm01a, lead01, lead02, hq_admin
):
    assert _seen(rm01a) == _worked(rm01a) == {"C1"}
    assert _seen(lead01) == {"C1", "C3", "C5"} and _worked(lead01) == {"C5"}
    assert _seen(lead02) == {"C4"} and _worked(lead02) == set()
    assert _seen(hq_admin) == {"C1", "C3", "C4", "C5"} and _worked(hq_admin) == set()


def test_the_access_functions_are_the_policy(generated, rm01a, lead01):
    c1, c5 = generated["C1"].pk, generated["C5"].pk
    assert selectors.opportunity_for(lead01, c1).pk == c1
    with pytest.raises(Http404):
        selectors.opportunity_to_work_for(lead01, c1)
    assert selectors.opportunity_to_work_for(lead01, c5).pk == c5
    assert selectors.opportunity_workable(rm01a, generated["C1"]) is True
    Opportunity.objects.filter(pk=c1).update(status=Opportunity.Status.DONE)
    assert selectors.opportunity_workable(rm01a, Opportunity.objects.get(pk=c1)) is False


def test_every_active_staff_member_reads_the_rules_and_nobody_else(
    world, rm01a, compliance, django_user_model
):
    rule()
    assert selectors.rule_for(compliance, "td7").code == "td7"
    assert list(selectors.rule_list(user=rm01a)) == list(OpportunityRule.objects.all())
    stranger = django_user_model.objects.create_user("stranger", password="x-unused-password-1")
    assert not selectors.rule_list(user=stranger).exists()
    with pytest.raises(Http404):
        selectors.rule_for(rm01a, "nope")
