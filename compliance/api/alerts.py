"""The compliance officer's alert queue and its dispositions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.common import PageIn, text_field
from compliance.models import Alert, AlertStatus, SearchAudit, Severity
from compliance.selectors import alert_for, alert_list
from compliance.serializers import AlertOut
from compliance.services.alerts import alert_resolve
from compliance.services.audit import search_audit_create
from rm_portal.api.inputs import validated
from rm_portal.api.permissions import IsCompliance
from rm_portal.core.requests import AuthedRequest


class AlertListIn(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    category = serializers.CharField(max_length=32, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    branch = serializers.CharField(max_length=16, required=False, help_text="branch code")
    rm = serializers.CharField(max_length=150, required=False, help_text="RM username")


class AlertListPageIn(AlertListIn, PageIn):
    pass


class AlertListApi(ListAPIView[Alert]):
    """The queue, with each alert's message content: every read is written to the audit log."""

    permission_classes = [IsCompliance]
    serializer_class = AlertOut
    request: AuthedRequest
    filters: dict[str, Any]

    def get_queryset(self) -> QuerySet[Alert]:
        data = validated(AlertListPageIn, dict(self.request.query_params.items()))
        data.pop("page", None)
        data.pop("page_size", None)
        self.filters = data
        return alert_list(user=self.request.user, **data)

    @extend_schema(parameters=[AlertListIn])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self.list(request, *args, **kwargs)
        search_audit_create(
            user=self.request.user,
            action=SearchAudit.Action.ALERTS,
            filters=self.filters,
            result_count=response.data["count"],
        )
        return response


class ResolveIn(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[AlertStatus.FALSE_POSITIVE, AlertStatus.CONFIRMED, AlertStatus.ESCALATED]
    )
    note = text_field(max_length=2000, required=False, allow_blank=True, default="")


class AlertResolveApi(APIView):
    """Record a disposition; the alert keeps every one (its history). The answer shows the
    message, so it is audited as a read of the alert."""

    permission_classes = [IsCompliance]

    @extend_schema(request=ResolveIn, responses={200: AlertOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        data = validated(ResolveIn, request.data)
        alert = alert_for(request.user, pk)
        alert = alert_resolve(alert=alert, by=request.user, **data)
        search_audit_create(
            user=request.user, action=SearchAudit.Action.ALERT, filters={"alert": alert.pk}, result_count=1
        )
        return Response(AlertOut(alert).data)
