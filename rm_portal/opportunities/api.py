from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsBranchLead, IsHeadOffice, read_all_write, roles
from rm_portal.core.errors import Conflict
from rm_portal.customers.masking import mask_phone
from rm_portal.opportunities import schema, selectors
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.services.execution import MAX_AMOUNT, opportunity_complete, opportunity_review
from rm_portal.opportunities.services.generation import opportunity_rules_run
from rm_portal.opportunities.services.rules import opportunity_rule_create, opportunity_rule_update
from rm_portal.org.access import staff_of
from rm_portal.org.models import Branch, Role

Workers = roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
Leads = roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
Assignees = roles(Role.RM, Role.BRANCH_LEAD)


def _person(user) -> dict | None:  # type: ignore[no-untyped-def]
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return {"username": user.username, "display_name": staff.name if staff else user.username}


def rule_out(rule: OpportunityRule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "kind": rule.kind,
        "condition": rule.condition,
        "script": rule.script,
        "due_days": rule.due_days,
        "cooldown_days": rule.cooldown_days,
        "priority": rule.priority,
        "active": rule.active,
        "last_run_at": rule.last_run_at,
    }


def opportunity_out(opportunity: Opportunity) -> dict:
    customer = opportunity.customer
    return {
        "id": opportunity.pk,
        "rule": {
            "code": opportunity.rule.code,
            "name": opportunity.rule.name,
            "kind": opportunity.rule.kind,
            "priority": opportunity.rule.priority,
        },
        "customer": {"cust_no": customer.cust_no, "name": customer.name, "phone": mask_phone(customer.phone)},
        "assignee": _person(opportunity.assignee),
        "branch": {"code": opportunity.branch.code, "name": opportunity.branch.name},
        "status": opportunity.status,
        "overdue": opportunity.is_overdue,
        "outcome": opportunity.outcome or None,
        "note": opportunity.note,
        "amount": str(opportunity.amount) if opportunity.amount is not None else None,
        "script": opportunity.script,
        "reason": opportunity.reason,
        "reason_text": selectors.reason_words(opportunity.reason),
        "created_at": opportunity.created_at,
        "due_at": opportunity.due_at,
        "completed_at": opportunity.completed_at,
        "review": None
        if opportunity.reviewed_at is None
        else {
            "accurate": opportunity.accurate,
            "comment": opportunity.review_comment,
            "reviewer": _person(opportunity.reviewer),
            "reviewed_at": opportunity.reviewed_at,
        },
    }


class RuleIn(serializers.Serializer):
    code = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=100)
    kind = schema.RuleKindField()
    condition = serializers.CharField(max_length=2000)
    script = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    due_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    cooldown_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    priority = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    active = serializers.BooleanField(required=False)


class RuleUpdateIn(RuleIn):
    code = None  # the code names the rule in URLs; it never changes

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RuleListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]
    pagination_class = Pagination  # for the schema only: get() paginates explicitly

    @extend_schema(operation_id="v1_opportunity_rules_list", responses=schema.RuleOut(many=True))
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(OpportunityRule.objects.all(), request, view=self)
        return paginator.get_paginated_response([rule_out(rule) for rule in page])

    @extend_schema(
        operation_id="v1_opportunity_rules_create", request=RuleIn, responses={201: schema.RuleOut}
    )
    def post(self, request: Request) -> Response:
        data = validated(RuleIn, request.data)
        rule = opportunity_rule_create(**data)
        return Response(rule_out(rule), status=status.HTTP_201_CREATED)


class RuleDetailApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(operation_id="v1_opportunity_rules_retrieve", responses=schema.RuleOut)
    def get(self, request: Request, code: str) -> Response:
        return Response(rule_out(get_object_or_404(OpportunityRule, code=code)))

    @extend_schema(
        operation_id="v1_opportunity_rules_partial_update", request=RuleUpdateIn, responses=schema.RuleOut
    )
    def patch(self, request: Request, code: str) -> Response:
        data = validated(RuleUpdateIn, request.data)
        rule = get_object_or_404(OpportunityRule, code=code)
        return Response(rule_out(opportunity_rule_update(rule=rule, **data)))


class RuleRunApi(APIView):
    permission_classes = [IsHeadOffice]

    @extend_schema(
        request=None,
        responses={200: schema.RuleRunOut, 409: OpenApiResponse(description="the rule is not active")},
    )
    def post(self, request: Request, code: str) -> Response:
        if request.data:
            validated(serializers.Serializer, request.data)  # no fields: anything sent is unknown
        rule = get_object_or_404(OpportunityRule, code=code)
        if not rule.active:
            raise Conflict(_("规则未启用"))
        created = opportunity_rules_run(rules=[rule])[rule.code]
        return Response({"created": created})


class RuleStatsApi(APIView):
    permission_classes = [Leads]

    @extend_schema(responses=schema.RuleStatsOut)
    def get(self, request: Request, code: str) -> Response:
        rule = get_object_or_404(OpportunityRule, code=code)
        return Response(selectors.rule_stats(user=request.user, rule=rule))


class RulesStatsApi(APIView):
    permission_classes = [Leads]

    @extend_schema(responses=schema.RulesStatsOut)
    def get(self, request: Request) -> Response:
        return Response({"results": selectors.rules_stats(user=request.user)})


class LeaderboardApi(APIView):
    """绩效评比: `scope=branch` (default; the caller's branch, or `branch=CODE` for head office)
    or `scope=bank`."""

    permission_classes = [Workers]

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=["branch", "bank"], default="branch"),
            OpenApiParameter("branch", str, description="a branch code; head office only, with scope=branch"),
        ],
        responses=schema.LeaderboardOut,
    )
    def get(self, request: Request) -> Response:
        scope_name = request.query_params.get("scope", "branch")
        if scope_name not in ("branch", "bank"):
            raise ValidationError({"scope": [_("应为 branch 或 bank")]})
        branch_id = None
        staff = staff_of(request.user)
        if scope_name == "branch":
            branch_id = staff.branch_id
            code = request.query_params.get("branch")
            if code and staff.role == Role.HEAD_OFFICE:
                branch_id = get_object_or_404(Branch, code=code[:16]).pk
        return Response({"scope": scope_name, "results": selectors.leaderboard(branch_id=branch_id)})


class OpportunityListApi(APIView):
    permission_classes = [Workers]
    pagination_class = Pagination  # for the schema only: get() paginates explicitly

    @extend_schema(
        operation_id="v1_opportunities_list",
        parameters=[OpenApiParameter("status", str, enum=list(selectors.STATUSES), default="open")],
        responses=schema.OpportunityOut(many=True),
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status", "open")
        if wanted not in selectors.STATUSES:
            raise ValidationError({"status": [_("应为 open、overdue 或 done")]})
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.opportunity_list(user=request.user, status=wanted), request, view=self
        )
        return paginator.get_paginated_response([opportunity_out(o) for o in page])


class OpportunityDetailApi(APIView):
    permission_classes = [Workers]

    @extend_schema(operation_id="v1_opportunities_retrieve", responses=schema.OpportunityOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(opportunity_out(selectors.opportunity_for(user=request.user, pk=pk)))


class CompleteIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Opportunity.Outcome.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, required=False, allow_null=True
    )


class OpportunityCompleteApi(APIView):
    permission_classes = [Assignees]

    @extend_schema(request=CompleteIn, responses=schema.OpportunityOut)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(CompleteIn, request.data)
        opportunity = selectors.opportunity_for_assignee(user=request.user, pk=pk)
        opportunity = opportunity_complete(opportunity=opportunity, by=request.user, **data)
        return Response(opportunity_out(selectors.opportunity_for(user=request.user, pk=opportunity.pk)))


class ReviewIn(serializers.Serializer):
    accurate = serializers.BooleanField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class OpportunityReviewApi(APIView):
    permission_classes = [IsBranchLead]

    @extend_schema(request=ReviewIn, responses=schema.OpportunityOut)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ReviewIn, request.data)
        opportunity = selectors.opportunity_for(user=request.user, pk=pk)
        opportunity_review(opportunity=opportunity, by=request.user, **data)
        return Response(opportunity_out(selectors.opportunity_for(user=request.user, pk=pk)))
