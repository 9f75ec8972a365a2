"""The opportunities API: parse → access → service → render, every response through serializers.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import query, validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsBranchLead, IsHeadOffice, read_all_write, roles
from rm_portal.core.requests import AuthedRequest
from rm_portal.opportunities import selectors, triage
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.serializers import (
    LeaderboardOut,
    OpportunityOut,
    RuleKindField,
    RuleOut,
    RuleRunOut,
    RulesStatsOut,
    RuleStatsOut,
    TriageTodayOut,
)
from rm_portal.opportunities.services.execution import (
    AMOUNT_RANGE,
    MAX_AMOUNT,
    opportunity_complete,
    opportunity_review,
)
from rm_portal.opportunities.services.generation import opportunity_rule_run
from rm_portal.opportunities.services.rules import opportunity_rule_create, opportunity_rule_update
from rm_portal.org.models import Role

Workers = roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
Leads = roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
Assignees = roles(Role.RM, Role.BRANCH_LEAD)


class RuleFieldsIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    kind = RuleKindField()
    condition = serializers.CharField(max_length=2000)
    script = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    due_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    cooldown_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    priority = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    active = serializers.BooleanField(required=False)


class RuleIn(RuleFieldsIn):
    code = serializers.SlugField(max_length=64)


class RuleUpdateIn(RuleFieldsIn):
    """Any field but `code`: the code names the rule in URLs; it never changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RuleListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]
    pagination_class = Pagination  # for the schema only: get() paginates explicitly

    @extend_schema(operation_id="v1_opportunity_rules_list", responses=RuleOut(many=True))
    def get(self, request: AuthedRequest) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.rule_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(RuleOut(page, many=True).data)

    @extend_schema(operation_id="v1_opportunity_rules_create", request=RuleIn, responses={201: RuleOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(RuleIn, request.data)
        rule = opportunity_rule_create(**data)
        return Response(RuleOut(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(operation_id="v1_opportunity_rules_retrieve", responses=RuleOut)
    def get(self, request: AuthedRequest, code: str) -> Response:
        return Response(RuleOut(selectors.rule_for(request.user, code)).data)

    @extend_schema(
        operation_id="v1_opportunity_rules_partial_update", request=RuleUpdateIn, responses=RuleOut
    )
    def patch(self, request: AuthedRequest, code: str) -> Response:
        data = validated(RuleUpdateIn, request.data)
        rule = selectors.rule_for(request.user, code)
        return Response(RuleOut(opportunity_rule_update(rule=rule, **data)).data)


class RuleRunApi(APIView):
    """Run one rule now. An inactive rule is refused with a 409."""

    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses=RuleRunOut)
    def post(self, request: AuthedRequest, code: str) -> Response:
        if request.data:
            validated(serializers.Serializer, request.data)  # no fields: anything sent is unknown
        rule = selectors.rule_for(request.user, code)
        return Response(RuleRunOut({"created": opportunity_rule_run(rule=rule)}).data)


class RuleStatsApi(APIView):
    permission_classes = [Leads]

    @extend_schema(responses=RuleStatsOut)
    def get(self, request: AuthedRequest, code: str) -> Response:
        rule = selectors.rule_for(request.user, code)
        return Response(RuleStatsOut(selectors.rule_stats(user=request.user, rule=rule)).data)


class RulesStatsApi(APIView):
    permission_classes = [Leads]

    @extend_schema(responses=RulesStatsOut)
    def get(self, request: AuthedRequest) -> Response:
        return Response(RulesStatsOut({"results": selectors.rules_stats(user=request.user)}).data)


class LeaderboardQuery(serializers.Serializer[Any]):
    scope = serializers.ChoiceField(choices=selectors.LEADERBOARD_SCOPES, default="branch")
    branch = serializers.CharField(
        max_length=16, required=False, help_text="a branch code; head office only, with scope=branch"
    )


class LeaderboardApi(APIView):
    """绩效评比: `scope=branch` (default; the caller's branch, or `branch=CODE` for head office)
    or `scope=bank`."""

    permission_classes = [Workers]

    @extend_schema(parameters=[LeaderboardQuery], responses=LeaderboardOut)
    def get(self, request: AuthedRequest) -> Response:
        wanted = query(LeaderboardQuery, request.query_params)
        board = selectors.leaderboard(
            user=request.user, scope_name=wanted["scope"], branch_code=wanted.get("branch", "")
        )
        return Response(LeaderboardOut(board).data)


class OpportunityListQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=selectors.STATUSES, default="open")
    sort = serializers.ChoiceField(
        choices=list(triage.SORTS),
        required=False,
        help_text="due: earliest deadline first; priority: the rule's priority, highest first; "
        "aum: the customer's AUM, largest first; rule: by rule name. Default: due "
        "(done: the latest completed first)",
    )
    kind = serializers.ChoiceField(
        choices=triage.KINDS, required=False, help_text="maintain (维护) or mine (挖潜)"
    )
    rule = serializers.SlugField(max_length=64, required=False, help_text="a rule's code")
    due = serializers.ChoiceField(
        choices=list(triage.WINDOWS),
        required=False,
        help_text="due by the end of the bank's day: today, within 3 or 7 days (today included); "
        "not-yet-overdue ones only",
    )
    overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: open and past due; false: the rest"
    )

    def validate_rule(self, code: str) -> str:
        if not OpportunityRule.objects.filter(code=code).exists():
            raise serializers.ValidationError(_("没有代码为 %(code)s 的规则") % {"code": code})
        return code


class OpportunityListApi(APIView):
    """The RM's list (a lead's: the branch's), sorted and filtered; a bad parameter is a 400
    naming it."""

    permission_classes = [Workers]
    pagination_class = Pagination  # for the schema only: get() paginates explicitly

    @extend_schema(
        operation_id="v1_opportunities_list",
        parameters=[OpportunityListQuery],
        responses=OpportunityOut(many=True),
    )
    def get(self, request: AuthedRequest) -> Response:
        wanted = query(OpportunityListQuery, request.query_params)
        asked = triage.Triage(**{k: v for k, v in wanted.items() if v is not None})
        paginator = Pagination()
        page = paginator.paginate_queryset(
            triage.opportunity_triage(user=request.user, triage=asked), request, view=self
        )
        return paginator.get_paginated_response(OpportunityOut(page, many=True).data)


class OpportunityTodayApi(APIView):
    """今日: the open opportunities in the order to work them, grouped (overdue, due today, high
    priority, due within 3 days, the rest); each group's count, its first 10 and the list
    parameters that show all of it."""

    permission_classes = [Workers]

    @extend_schema(responses=TriageTodayOut)
    def get(self, request: AuthedRequest) -> Response:
        return Response(TriageTodayOut({"groups": triage.triage_today(user=request.user)}).data)


class OpportunityDetailApi(APIView):
    permission_classes = [Workers]

    @extend_schema(operation_id="v1_opportunities_retrieve", responses=OpportunityOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(OpportunityOut(selectors.opportunity_for(request.user, pk)).data)


class CompleteIn(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Opportunity.Outcome.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        error_messages={"max_value": AMOUNT_RANGE, "min_value": AMOUNT_RANGE},
        help_text="0 to 100,000,000.00 (one hundred million yuan)",
    )


class OpportunityCompleteApi(APIView):
    """Only the assignee completes (the branch lead for the ownerless queue); anyone else gets 404."""

    permission_classes = [Assignees]

    @extend_schema(request=CompleteIn, responses=OpportunityOut)
    def post(self, request: AuthedRequest, pk: int) -> Response:
        data = validated(CompleteIn, request.data)
        opportunity = selectors.opportunity_to_work_for(request.user, pk)
        opportunity_complete(opportunity=opportunity, by=request.user, **data)
        return Response(OpportunityOut(selectors.opportunity_for(request.user, pk)).data)


class ReviewIn(serializers.Serializer[Any]):
    accurate = serializers.BooleanField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class OpportunityReviewApi(APIView):
    permission_classes = [IsBranchLead]

    @extend_schema(request=ReviewIn, responses=OpportunityOut)
    def post(self, request: AuthedRequest, pk: int) -> Response:
        data = validated(ReviewIn, request.data)
        opportunity = selectors.opportunity_for(request.user, pk)
        opportunity_review(opportunity=opportunity, by=request.user, **data)
        return Response(OpportunityOut(selectors.opportunity_for(request.user, pk)).data)
