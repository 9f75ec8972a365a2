"""OpenAPI description of the opportunities API: the response shapes and the rule-kind enum.

The views build their responses with `api.rule_out` / `api.opportunity_out` and the selectors; the
serializers here only describe those shapes for drf-spectacular and are never used to render.
Keep them in step with those functions (tests/opportunities/test_schema.py checks real responses).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from rm_portal.opportunities.models import Opportunity, RuleKind
from rm_portal.org.serializers import BranchOut


class RuleKindField(serializers.ChoiceField):
    """A rule's 类别. Its own enum component, so it never collides with other apps' `kind` fields."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(choices=RuleKind.choices, **kwargs)


class RuleKindFieldSchema(OpenApiSerializerFieldExtension):
    target_class = RuleKindField

    def get_name(self) -> str:
        return "RuleKindEnum"

    def map_serializer_field(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        return auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)


class PersonBrief(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class RuleOut(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    kind = RuleKindField()
    condition = serializers.CharField()
    script = serializers.CharField()
    due_days = serializers.IntegerField()
    cooldown_days = serializers.IntegerField()
    priority = serializers.IntegerField()
    active = serializers.BooleanField()
    last_run_at = serializers.DateTimeField(allow_null=True)


class RuleRunOut(serializers.Serializer):
    created = serializers.IntegerField(help_text="opportunities created by this run")


class RuleBrief(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    kind = RuleKindField()
    priority = serializers.IntegerField()


class OpportunityCustomer(serializers.Serializer):
    cust_no = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="masked")


class OpportunityReviewOut(serializers.Serializer):
    accurate = serializers.BooleanField()
    comment = serializers.CharField()
    reviewer = PersonBrief(allow_null=True)
    reviewed_at = serializers.DateTimeField()


class OpportunityOut(serializers.Serializer):
    id = serializers.IntegerField()
    rule = RuleBrief()
    customer = OpportunityCustomer()
    assignee = PersonBrief(allow_null=True)
    branch = BranchOut()
    status = serializers.ChoiceField(choices=Opportunity.Status.choices)
    overdue = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=Opportunity.Outcome.choices, allow_null=True)
    note = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    script = serializers.CharField()
    reason = serializers.DictField(help_text="why the rule matched: the condition's figures")
    reason_text = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    review = OpportunityReviewOut(allow_null=True, help_text="null until a branch lead reviews it")


class Figures(serializers.Serializer):
    generated = serializers.IntegerField()
    completed = serializers.IntegerField()
    converted = serializers.IntegerField()
    conversion_rate = serializers.FloatField(allow_null=True, help_text="converted / completed")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    reviewed = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text="judged accurate / reviewed")


class RuleStatsOut(Figures):
    rule = serializers.SlugField(help_text="the rule's code")
    name = serializers.CharField()


class RulesStatsRow(RuleStatsOut):
    kind = RuleKindField()


class RulesStatsOut(serializers.Serializer):
    results = RulesStatsRow(many=True)


class LeaderboardRow(Figures):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    branch = BranchOut()
    converted_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    overdue = serializers.IntegerField()


class LeaderboardOut(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["branch", "bank"])
    results = LeaderboardRow(many=True)
