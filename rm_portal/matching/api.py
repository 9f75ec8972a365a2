"""The matching API: a customer's recommendations, and head office's signals and figures."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.fields import BankDateField
from rm_portal.api.inputs import query, validated
from rm_portal.api.permissions import IsHeadOffice, roles
from rm_portal.core.requests import AuthedRequest
from rm_portal.customers.models import HoldingType, TagDefinition
from rm_portal.customers.selectors import customer_for
from rm_portal.matching import selectors
from rm_portal.matching.models import SignalKind
from rm_portal.matching.serializers import RecommendationFiguresOut, RecommendationOut, SignalOut
from rm_portal.matching.services import MAX_DAYS, MAX_WEIGHT, recommendations_shown, signal_save
from rm_portal.org.models import Role


class RecommendationListApi(APIView):
    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema(responses=RecommendationOut(many=True))
    def get(self, request: AuthedRequest, cust_no: str) -> Response:
        customer = customer_for(request.user, cust_no)
        items = selectors.recommendations_for(request.user, customer)
        recommendations_shown(customer=customer, items=items)
        return Response(RecommendationOut(cast(Any, items), many=True).data)


class SignalListApi(APIView):
    permission_classes = [IsHeadOffice]

    @extend_schema_serializer(component_name="SignalInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        code = serializers.RegexField(r"^[a-z][a-z0-9_-]{0,63}$")
        name = serializers.CharField(max_length=100)
        kind = serializers.ChoiceField(choices=SignalKind.choices)
        tag = serializers.SlugRelatedField(
            slug_field="code", queryset=TagDefinition.objects.all(), required=False, allow_null=True
        )
        holding_type = serializers.ChoiceField(choices=HoldingType.choices, required=False, allow_blank=True)
        days = serializers.IntegerField(min_value=0, max_value=MAX_DAYS, required=False)
        amount = serializers.DecimalField(
            max_digits=16, decimal_places=2, min_value=0, max_value=10**13, required=False
        )
        match_category = serializers.CharField(max_length=16, required=False, allow_blank=True)
        match_word = serializers.CharField(max_length=64, required=False, allow_blank=True)
        weight = serializers.IntegerField(min_value=1, max_value=MAX_WEIGHT, required=False)
        active = serializers.BooleanField(required=False)

    @extend_schema(responses=SignalOut(many=True))
    def get(self, request: AuthedRequest) -> Response:
        return Response(SignalOut(selectors.signal_list(user=request.user), many=True).data)

    @extend_schema(request=Input, responses={201: SignalOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(self.Input, request.data)
        signal = signal_save(signal=None, **data)
        return Response(SignalOut(signal).data, status=status.HTTP_201_CREATED)


class FiguresQuery(serializers.Serializer[dict[str, Any]]):
    since = BankDateField(required=False)


class RecommendationFiguresApi(APIView):
    permission_classes = [IsHeadOffice]

    @extend_schema(
        parameters=[OpenApiParameter("since", str, description="起始日期 YYYY-MM-DD（默认 30 天前）")],
        responses=RecommendationFiguresOut(many=True),
    )
    def get(self, request: AuthedRequest) -> Response:
        params = query(FiguresQuery, request.query_params)
        rows = selectors.recommendation_figures(user=request.user, since=params.get("since"))
        return Response(RecommendationFiguresOut(cast(Any, rows), many=True).data)
