"""`GET /api/v1/contacts/stats/`: adds, verified adds, lost and the verified add rate per RM,
poster, branch or day, with totals — over the follows the caller sees."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.fields import BankDateField
from rm_portal.api.inputs import query
from rm_portal.api.permissions import roles
from rm_portal.core.requests import AuthedRequest
from rm_portal.org.models import Role
from rm_portal.org.serializers import BranchOut, PersonOut
from rm_portal.wecom.stats import (
    ContactStats,
    Figures,
    Group,
    contact_stats,
    default_range,
    range_error,
)

DATE_FORMAT: dict[str, Any] = {"invalid": gettext_lazy("日期格式应为 YYYY-MM-DD")}


class ContactStatsQuery(serializers.Serializer[dict[str, Any]]):
    since = BankDateField(
        required=False,
        error_messages=DATE_FORMAT,
        help_text="YYYY-MM-DD, a bank day (2000-01-01 … 2099-12-31); default: 29 days before until",
    )
    until = BankDateField(
        required=False,
        error_messages=DATE_FORMAT,
        help_text="YYYY-MM-DD, a bank day (2000-01-01 … 2099-12-31); default: today",
    )
    group = serializers.ChoiceField(
        choices=[g.value for g in Group], required=False, default=Group.RM.value, help_text="default rm"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = default_range(attrs.get("since"), attrs.get("until"))
        error = range_error(since, until)
        if error:
            raise serializers.ValidationError({"since": [error]})
        return {**attrs, "since": since, "until": until, "group": Group(attrs.get("group", Group.RM))}


class ContactFiguresOut(serializers.Serializer[Figures]):
    adds = serializers.IntegerField(help_text="WeChat users added in the period (handovers not counted)")
    bound = serializers.IntegerField(help_text="of those adds, how many are bound to a bank customer")
    lost = serializers.IntegerField(help_text="of those adds, how many have since removed the RM")
    verified_add_rate = serializers.FloatField(
        allow_null=True, help_text="bound / adds (0..1, 4 places); null when there were no adds"
    )


class ContactStatsMaterialOut(serializers.Serializer[object]):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ContactStatsRowOut(ContactFiguresOut):
    """One group's figures; it carries the key of its grouping only."""

    rm = PersonOut(required=False, help_text="group=rm")
    branch = BranchOut(required=False, help_text="group=rm (the RM's branch) and group=branch")
    material = ContactStatsMaterialOut(
        required=False, allow_null=True, help_text="group=poster; null: adds not made through a poster"
    )
    day = serializers.DateField(required=False, help_text="group=day: the bank day of the adds")

    KEYS = {
        Group.RM: {"rm", "branch"},
        Group.BRANCH: {"branch"},
        Group.POSTER: {"material"},
        Group.DAY: {"day"},
    }

    def to_representation(self, instance: Figures) -> dict[str, Any]:
        keep = self.KEYS[self.context["group"]]
        fields = {"adds", "bound", "lost", "verified_add_rate", *keep}
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if key in fields}


class ContactStatsOut(serializers.Serializer[ContactStats]):
    since = serializers.DateField()
    until = serializers.DateField()
    group = serializers.ChoiceField(choices=[g.value for g in Group])
    totals = ContactFiguresOut()
    rows = serializers.SerializerMethodField()

    @extend_schema_field(ContactStatsRowOut(many=True))
    def get_rows(self, stats: ContactStats) -> list[dict[str, Any]]:
        row_out = ContactStatsRowOut(context={"group": stats.group})
        return [row_out.to_representation(row) for row in stats.rows]


class ContactStatsApi(APIView):
    """Adds, verified adds (bound to a bank customer), lost and the verified add rate, in bank days,
    per RM, poster, branch or day: an RM their own, a branch lead the branch, head office all."""

    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema(parameters=[ContactStatsQuery], responses={200: ContactStatsOut})
    def get(self, request: AuthedRequest) -> Response:
        params = query(ContactStatsQuery, request.query_params)
        stats = contact_stats(
            user=request.user, since=params["since"], until=params["until"], group=params["group"]
        )
        return Response(ContactStatsOut(stats).data)
