"""What the opportunities API answers with: every response is rendered by one of these."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rm_portal.customers.masking import mask_phone
from rm_portal.customers.models import Customer
from rm_portal.opportunities.models import Opportunity, OpportunityRule, RuleKind
from rm_portal.opportunities.selectors import LEADERBOARD_SCOPES, reason_words
from rm_portal.org.serializers import BranchOut, PersonOut


class RuleKindField(serializers.ChoiceField):
    """A rule's 类别. Its own enum component, so it never collides with other apps' `kind` fields."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RuleKind.choices, **kwargs)


class RuleKindFieldSchema(OpenApiSerializerFieldExtension):
    target_class = RuleKindField

    def get_name(self) -> str:
        return "RuleKindEnum"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)


class RuleOut(serializers.ModelSerializer[OpportunityRule]):
    kind = RuleKindField()

    class Meta:
        model = OpportunityRule
        fields = [
            "code",
            "name",
            "kind",
            "condition",
            "script",
            "due_days",
            "cooldown_days",
            "priority",
            "active",
            "last_run_at",
        ]
        read_only_fields = fields


class RuleBriefOut(serializers.ModelSerializer[OpportunityRule]):
    kind = RuleKindField()

    class Meta:
        model = OpportunityRule
        fields = ["code", "name", "kind", "priority"]
        read_only_fields = fields


class RuleRunOut(serializers.Serializer[dict[str, int]]):
    created = serializers.IntegerField(help_text="opportunities created by this run")


class OpportunityCustomerOut(serializers.ModelSerializer[Customer]):
    phone = serializers.SerializerMethodField(help_text="masked")

    class Meta:
        model = Customer
        fields = ["cust_no", "name", "phone"]
        read_only_fields = fields

    def get_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)


class OpportunityReviewOut(serializers.ModelSerializer[Opportunity]):
    comment = serializers.CharField(source="review_comment")
    reviewer = PersonOut(allow_null=True)

    class Meta:
        model = Opportunity
        fields = ["accurate", "comment", "reviewer", "reviewed_at"]
        read_only_fields = fields


class OpportunityOut(serializers.ModelSerializer[Opportunity]):
    """Select `rule`, `customer`, `branch`, `assignee__staff` and `reviewer__staff` with the row."""

    rule = RuleBriefOut()
    customer = OpportunityCustomerOut()
    assignee = PersonOut(allow_null=True, help_text="null: in the branch lead's ownerless queue")
    branch = BranchOut()
    overdue = serializers.BooleanField(source="is_overdue")
    outcome = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reason = serializers.DictField(help_text="why the rule matched: the condition's figures")
    reason_text = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField(help_text="null until a branch lead reviews it")

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "rule",
            "customer",
            "assignee",
            "branch",
            "status",
            "overdue",
            "outcome",
            "note",
            "amount",
            "script",
            "reason",
            "reason_text",
            "created_at",
            "due_at",
            "completed_at",
            "review",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Opportunity.Outcome.choices, allow_null=True))
    def get_outcome(self, opportunity: Opportunity) -> str | None:
        return opportunity.outcome or None

    def get_reason_text(self, opportunity: Opportunity) -> str:
        return reason_words(opportunity.reason)

    @extend_schema_field(OpportunityReviewOut(allow_null=True))
    def get_review(self, opportunity: Opportunity) -> dict[str, Any] | None:
        if opportunity.reviewed_at is None:
            return None
        return OpportunityReviewOut(opportunity).data


class FiguresOut(serializers.Serializer[Any]):
    generated = serializers.IntegerField()
    completed = serializers.IntegerField()
    converted = serializers.IntegerField(
        help_text="converted opportunities a branch lead reviewed as accurate (self-declared ones count "
        "only after that review)"
    )
    conversion_rate = serializers.FloatField(allow_null=True, help_text="converted / completed")
    amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="summed over the completed opportunities reviewed as accurate",
    )
    reviewed = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text="judged accurate / reviewed")


class RuleStatsOut(FiguresOut):
    rule = serializers.SlugField(help_text="the rule's code")
    name = serializers.CharField()


class RulesStatsRowOut(RuleStatsOut):
    kind = RuleKindField()


class RulesStatsOut(serializers.Serializer[Any]):
    results = RulesStatsRowOut(many=True)


class StandingOut(FiguresOut):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    branch = BranchOut()
    converted_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="summed over the conversions reviewed as accurate"
    )
    overdue = serializers.IntegerField()


class LeaderboardOut(serializers.Serializer[Any]):
    scope = serializers.ChoiceField(choices=LEADERBOARD_SCOPES)
    results = StandingOut(many=True)


class TriageGroupOut(serializers.Serializer[Any]):
    key = serializers.ChoiceField(
        choices=["overdue", "due_today", "high_priority", "due_soon", "later"],
        help_text="the groups come in this order: what to do first comes first",
    )
    title = serializers.CharField()
    hint = serializers.CharField(help_text="why the group is where it is, for the RM")
    count = serializers.IntegerField(help_text="all of the group; `results` holds at most 10")
    results = OpportunityOut(many=True)
    link = serializers.DictField(
        child=serializers.CharField(),
        help_text="query parameters of GET /api/v1/opportunities/ (and of the page) that list the group",
    )


class TriageTodayOut(serializers.Serializer[Any]):
    groups = TriageGroupOut(many=True)
