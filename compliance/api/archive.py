"""The archive: ingestion (RM own, gateway any), search (written to the audit log), the legal
hold, the audit log and the CSV export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.common import IngestThrottle, IsRMOrGateway, SearchIn, search_filters
from compliance.exports import messages_csv
from compliance.models import Message, SearchAudit
from compliance.selectors import SearchFilters, audit_list, conversation_for, message_search
from compliance.serializers import AuditOut, IngestOut, LegalHoldOut, MessageOut
from compliance.services.audit import search_audit_create
from compliance.services.conversations import conversation_legal_hold_set
from compliance.services.ingestion import IngestResult, messages_submit
from compliance.services.items import MAX_BATCH
from rm_portal.api.inputs import validated
from rm_portal.api.pagination import CappedPagination
from rm_portal.api.permissions import IsCompliance
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.serializers import JobAcceptedOut


@extend_schema_field(OpenApiTypes.OBJECT)
class AsParsed(serializers.Field):
    """Any JSON value, untouched: each message is validated item by item by the service, so a bad
    one is reported with its index instead of failing the whole batch."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)  # a null item is that item's error, not the batch's

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class IngestIn(serializers.Serializer[Any]):
    messages = serializers.ListField(child=AsParsed(), allow_empty=False, max_length=MAX_BATCH)


class MessageApi(ListAPIView[Message]):
    """POST: archive a batch (RM own, gateway any). GET: the archive search, written to the audit log."""

    permission_classes = [IsRMOrGateway]
    throttle_classes = [IngestThrottle]  # uploads per user: INGEST_RATE
    serializer_class = MessageOut
    pagination_class = CappedPagination  # never count every match of a common bigram
    request: AuthedRequest
    filters: SearchFilters

    def get_queryset(self) -> QuerySet[Message]:
        self.filters = search_filters(self.request.query_params, paged=True)
        return message_search(user=self.request.user, filters=self.filters)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["q"] = getattr(self, "filters", SearchFilters()).q
        return context

    @extend_schema(parameters=[SearchIn])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self.list(request, *args, **kwargs)
        search_audit_create(
            user=self.request.user,
            action=SearchAudit.Action.SEARCH,
            filters=self.filters.as_dict(),
            result_count=response.data["count"],
        )
        return response

    @extend_schema(request=IngestIn, responses={200: IngestOut, 202: JobAcceptedOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(IngestIn, request.data)
        outcome = messages_submit(items=data["messages"], by=request.user)
        if isinstance(outcome, IngestResult):
            return Response(IngestOut(outcome).data)
        return Response(JobAcceptedOut(outcome).data, status=status.HTTP_202_ACCEPTED)


class LegalHoldIn(serializers.Serializer[Any]):
    hold = serializers.BooleanField()


class LegalHoldApi(APIView):
    """Set or lift the legal hold of a conversation (kept past retention while held)."""

    permission_classes = [IsCompliance]

    @extend_schema(request=LegalHoldIn, responses={200: LegalHoldOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        data = validated(LegalHoldIn, request.data)
        conversation = conversation_for(request.user, pk)
        conversation = conversation_legal_hold_set(
            conversation=conversation, hold=data["hold"], by=request.user
        )
        return Response(LegalHoldOut(conversation).data)


class AuditListApi(ListAPIView[SearchAudit]):
    """Who searched or exported what, when, and how much came back. Read-only evidence."""

    permission_classes = [IsCompliance]
    serializer_class = AuditOut
    request: AuthedRequest

    def get_queryset(self) -> QuerySet[SearchAudit]:
        return audit_list(user=self.request.user)


class ExportApi(APIView):
    """The search's messages as CSV (UTF-8 with a BOM, formula-guarded cells), written to the audit
    log; `X-Retention-Years` states how long the archive is kept."""

    permission_classes = [IsCompliance]

    @extend_schema(
        parameters=[SearchIn],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="columns (Chinese names): 编号, 发送时间 (bank-local with offset), 渠道, "
                "客户经理, 客户经理账号, 客户号, 联系人, 方向, 内容, 命中敏感词, 哈希, 来源",
            )
        },
    )
    def get(self, request: AuthedRequest) -> StreamingHttpResponse:
        return messages_csv(user=request.user, filters=search_filters(request.query_params, paged=False))
