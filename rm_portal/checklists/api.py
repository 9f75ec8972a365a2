"""Checklist API: thin views — parse, access, service, render."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import query, validated
from rm_portal.api.permissions import IsBranchLead, IsHeadOffice, read_all_write, roles
from rm_portal.checklists import selectors, services
from rm_portal.checklists.clock import local_today
from rm_portal.checklists.exports import runs_csv
from rm_portal.checklists.filters import RunFilter
from rm_portal.checklists.inputs import (
    HolidayUploadIn,
    ItemCompleteIn,
    RangeQuery,
    RunAuditIn,
    TemplateIn,
)
from rm_portal.checklists.models import ChecklistRun, Holiday
from rm_portal.checklists.rules import ASSIGNABLE
from rm_portal.checklists.serializers import (
    DashboardOut,
    HolidayOut,
    HolidaysStoredOut,
    RunAuditedOut,
    RunDetailOut,
    RunOut,
    RunRowOut,
    TemplateOut,
)
from rm_portal.core.requests import AuthedRequest
from rm_portal.org.models import Role

# --- Templates -----------------------------------------------------------------------------------


class TemplateListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(operation_id="checklists_templates_list", responses={200: TemplateOut(many=True)})
    def get(self, request: AuthedRequest) -> Response:
        return Response(TemplateOut(selectors.template_list(), many=True).data)

    @extend_schema(request=TemplateIn, responses={201: TemplateOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(TemplateIn, request.data, context={"template": None})
        template = services.template_save(**data)
        return Response(
            TemplateOut(selectors.template_for(request.user, template.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TemplateDetailApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(responses={200: TemplateOut})
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(TemplateOut(selectors.template_for(request.user, pk)).data)

    @extend_schema(request=TemplateIn, responses={200: TemplateOut})
    def put(self, request: AuthedRequest, pk: int) -> Response:
        template = selectors.template_for(request.user, pk)
        data = validated(TemplateIn, request.data, context={"template": template})
        template = services.template_save(template=template, **data)
        return Response(TemplateOut(selectors.template_for(request.user, template.pk)).data)


class HolidayApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(responses={200: HolidayOut(many=True)})
    def get(self, request: AuthedRequest) -> Response:
        return Response(HolidayOut(Holiday.objects.all(), many=True).data)

    @extend_schema(request={"multipart/form-data": HolidayUploadIn}, responses={200: HolidaysStoredOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(HolidayUploadIn, request.data)
        stored = services.holidays_import(upload=data["file"])
        return Response(HolidaysStoredOut({"stored": stored}).data)


# --- Runs ----------------------------------------------------------------------------------------


class TodayApi(APIView):
    @extend_schema(responses={200: RunOut(many=True)})
    def get(self, request: AuthedRequest) -> Response:
        runs = selectors.my_runs(user=request.user, on=local_today())
        return Response(RunOut(runs, many=True).data)


class ItemCompleteApi(APIView):
    permission_classes = [roles(*ASSIGNABLE)]

    @extend_schema(request={"multipart/form-data": ItemCompleteIn}, responses={200: RunOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        item = selectors.item_to_complete_for(request.user, pk)
        data = validated(ItemCompleteIn, request.data)
        item = services.item_complete(item=item, by=request.user, photo=data.get("photo"), note=data["note"])
        return Response(RunOut(selectors.run_for(request.user, item.run_id)).data)


@extend_schema_view(get=extend_schema(operation_id="checklists_runs_list"))
class RunListApi(ListAPIView[ChecklistRun]):
    """Paginated; filtered by `RunFilter` (date, branch, status)."""

    permission_classes = [roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)]
    serializer_class = RunRowOut
    filterset_class = RunFilter

    def get_queryset(self) -> QuerySet[ChecklistRun]:
        return selectors.run_list(user=self.request.user)  # type: ignore[arg-type]  # behind the role wall


class RunDetailApi(APIView):
    @extend_schema(responses={200: RunDetailOut})
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(RunDetailOut(selectors.run_for(request.user, pk)).data)


class RunAuditApi(APIView):
    permission_classes = [IsBranchLead]

    @extend_schema(request=RunAuditIn, responses={200: RunAuditedOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        run = selectors.run_for(request.user, pk)
        data = validated(RunAuditIn, request.data)
        audit = services.run_audit(run=run, by=request.user, **data)
        run = selectors.run_for(request.user, pk)
        return Response(RunAuditedOut(run, context={"audit": audit}).data)


class ItemPhotoApi(APIView):
    """Photos are streamed only to people who may see the run; never a public media URL."""

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: AuthedRequest, pk: int) -> FileResponse:
        item = selectors.item_for(request.user, pk)
        if not item.photo:
            raise Http404
        response = FileResponse(item.photo.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Figures -------------------------------------------------------------------------------------


class DashboardApi(APIView):
    permission_classes = [roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema(parameters=[RangeQuery], responses={200: DashboardOut})
    def get(self, request: AuthedRequest) -> Response:
        data = query(RangeQuery, request.query_params)
        return Response(DashboardOut(selectors.dashboard(user=request.user, **data)).data)


class ExportApi(APIView):
    permission_classes = [IsHeadOffice]

    @extend_schema(parameters=[RangeQuery], responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request: AuthedRequest) -> HttpResponse:
        return runs_csv(user=request.user, **query(RangeQuery, request.query_params))
