"""Mass outreach (群发): preview, create, list, detail (polls WeCom once), approve, send."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from materials.models import Material
from materials.selectors import material_for
from rm_portal.api.inputs import validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsCompliance, roles
from rm_portal.core.requests import AuthedRequest
from rm_portal.customers.models import Segment
from rm_portal.org.models import Role
from rm_portal.outreach import selectors
from rm_portal.outreach.models import OutreachTask
from rm_portal.outreach.serializers import OutreachDetailOut, OutreachOut, PreviewOut
from rm_portal.outreach.services.outreach import outreach_approve, outreach_create, outreach_preview
from rm_portal.outreach.services.sending import outreach_poll_on_open, outreach_send

Senders = roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
Readers = roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE, Role.COMPLIANCE)


class OutreachIn(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=64)
    text = serializers.CharField(max_length=4000, trim_whitespace=False)
    material = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    category = serializers.CharField(required=False, allow_blank=True, max_length=16)
    segment = serializers.CharField(required=False, allow_blank=True, max_length=64)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=20)
    own = serializers.BooleanField(required=False, default=False, help_text="the sender's own contacts")
    senders = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, max_length=2000
    )

    def validate_category(self, value: str) -> str:
        from materials.models import MarketingCategory

        if value and value not in MarketingCategory.values:
            raise serializers.ValidationError(f"只能是 {', '.join(MarketingCategory.values)}")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        chosen = [k for k in ("segment", "tags", "own") if attrs.get(k)]
        if len(chosen) != 1:
            raise serializers.ValidationError({"selection": "请在 segment、tags、own 中选择且只选择一种"})
        return attrs


def _arguments(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The input as the services take it: the segment and material looked up (a 404 when unknown
    or not the person's to use)."""
    segment: Segment | None = None
    if data.get("segment"):
        segment = get_object_or_404(Segment, code=data["segment"])
        selection = OutreachTask.Selection.SEGMENT
    elif data.get("tags"):
        selection = OutreachTask.Selection.TAGS
    else:
        selection = OutreachTask.Selection.OWN
    material: Material | None = material_for(user, data["material"]) if data.get("material") else None
    return {
        "text": data["text"],
        "selection": selection,
        "segment": segment,
        "tags": data.get("tags") or [],
        "material": material,
        "category": data.get("category") or "",
        "senders": data.get("senders") or [],
    }


class OutreachListApi(APIView):
    pagination_class = Pagination

    def get_permissions(self) -> list[BasePermission]:
        return [(Readers if self.request.method == "GET" else Senders)()]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(OutreachTask.Status.values))],
        responses=OutreachOut(many=True),
    )
    def get(self, request: AuthedRequest) -> Response:
        status = request.query_params.get("status", "")
        if status and status not in OutreachTask.Status.values:
            return Response({"status": [f"只能是 {', '.join(OutreachTask.Status.values)}"]}, status=400)
        tasks: QuerySet[OutreachTask] = selectors.outreach_list(user=request.user, status=status)
        paginator = Pagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(OutreachOut(page, many=True).data)

    @extend_schema(request=OutreachIn, responses={201: OutreachOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(OutreachIn, request.data)
        task = outreach_create(by=request.user, name=data["name"], **_arguments(request.user, data))
        return Response(OutreachOut(task).data, status=201)


class OutreachPreviewIn(OutreachIn):
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)


class OutreachPreviewApi(APIView):
    permission_classes = [Senders]

    @extend_schema(request=OutreachPreviewIn, responses=PreviewOut)
    def post(self, request: AuthedRequest) -> Response:
        data = validated(OutreachPreviewIn, request.data)
        resolution, checked = outreach_preview(by=request.user, **_arguments(request.user, data))
        needs = resolution.cross_branch and request.user.staff.role == Role.HEAD_OFFICE
        return Response(
            PreviewOut(
                {
                    "recipients": resolution.recipients,
                    "excluded": resolution.excluded,
                    "senders": len({r.sender_id for r in resolution.rows if not r.reason}),
                    "needs_approval": needs,
                    "hits": checked["hits"],
                }
            ).data
        )


def _detail(task: OutreachTask) -> dict[str, Any]:
    results = selectors.results_per_sender(task=task)
    data: dict[str, Any] = dict(OutreachOut(task).data)
    data["results"] = selectors.totals(results)
    data["senders"] = [{"username": r.username, "name": r.name, "counts": r.counts} for r in results]
    return data


class OutreachDetailApi(APIView):
    permission_classes = [Readers]

    @extend_schema(responses=OutreachDetailOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        task = selectors.outreach_for(request.user, pk)
        outreach_poll_on_open(task=task)
        return Response(_detail(selectors.outreach_for(request.user, pk)))


class OutreachApproveApi(APIView):
    permission_classes = [IsCompliance]

    @extend_schema(request=None, responses=OutreachOut)
    def post(self, request: AuthedRequest, pk: int) -> Response:
        task = outreach_approve(task=selectors.outreach_for(request.user, pk), by=request.user)
        return Response(OutreachOut(selectors.outreach_for(request.user, task.pk)).data)


class OutreachSendApi(APIView):
    permission_classes = [Senders]

    @extend_schema(request=None, responses=OutreachOut)
    def post(self, request: AuthedRequest, pk: int) -> Response:
        task = selectors.outreach_for(request.user, pk)
        site = _site(request)
        task = outreach_send(task=task, by=request.user, site=site)
        return Response(OutreachOut(selectors.outreach_for(request.user, task.pk)).data)


def _site(request: Request) -> str:
    return str(request.build_absolute_uri("/")).rstrip("/")
