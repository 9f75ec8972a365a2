"""Checklist API (DESIGN §4): thin views — parse, access, service, render."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsBranchLead, IsHeadOffice, read_all_write, roles
from rm_portal.checklists import selectors, services
from rm_portal.checklists.exports import runs_csv
from rm_portal.checklists.inputs import ASSIGNABLE, TemplateIn
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, Holiday, RunAudit, RunItem
from rm_portal.checklists.photos import MAX_BYTES, PhotoRejected
from rm_portal.org.models import Branch, Role

MAX_RANGE_DAYS = 366


class PhotoTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


# --- Shapes ------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    # In the bank's zone, like DRF's DateTimeField: "2026-11-24T08:00:00+08:00".
    return timezone.localtime(moment).isoformat() if moment else None


def person(user) -> dict:  # type: ignore[no-untyped-def]
    staff = getattr(user, "staff", None)
    return {"username": user.username, "display_name": staff.name if staff else user.username}


def branch_out(branch: Branch) -> dict:
    return {"code": branch.code, "name": branch.name}


def template_out(template: ChecklistTemplate) -> dict:
    return {
        "id": template.pk,
        "name": template.name,
        "time": template.time_of_day.strftime("%H:%M"),
        "weekdays": template.weekdays,
        "due_minutes": template.due_minutes,
        "roles": template.roles,
        "branches": sorted(b.code for b in template.branches.all()),
        "skip_holidays": template.skip_holidays,
        "scope": template.scope,
        "items": [
            {"text": i.text, "requires_photo": i.requires_photo, "requires_note": i.requires_note}
            for i in template.items.all()
        ],
        "version": template.version,
        "active": template.active,
    }


def item_out(item: RunItem, *, per_branch: bool = False) -> dict:
    data = {
        "id": item.pk,
        "text": item.text,
        "requires_photo": item.requires_photo,
        "requires_note": item.requires_note,
        "done": item.done,
        "photo_url": reverse("checklists-api:item-photo", args=[item.pk]) if item.photo else None,
        "photo_taken_at": iso(item.photo_taken_at),
        "photo_flagged": item.photo_flagged,
        "note": item.note,
        "completed_at": iso(item.completed_at),
        "late": item.late,
    }
    if per_branch:  # person runs keep their shape; a branch run says who of the branch did it
        data["completed_by"] = person(item.completed_by) if item.completed_by else None
    return data


def run_out(run: ChecklistRun, *, with_items: bool = True) -> dict:
    data = {
        "id": run.pk,
        "template": {"id": run.template_id, "name": run.name},
        "template_version": run.template_version,
        "date": run.date.isoformat(),
        "status": run.status,
        "due_at": iso(run.due_at),
        "submitted_at": iso(run.submitted_at),
        "late": run.late,
    }
    if run.per_branch:
        data["scope"] = "branch"
        data["branch"] = branch_out(run.branch)
    if with_items:
        data["items"] = [item_out(i, per_branch=run.per_branch) for i in run.items.all()]
    return data


def audit_out(audit: RunAudit) -> dict:
    return {"verdict": audit.verdict, "comment": audit.comment, "by": person(audit.by), "at": iso(audit.at)}


# --- Templates ---------------------------------------------------------------------------------


class TemplateListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(operation_id="checklists_templates_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response([template_out(t) for t in selectors.template_list()])

    @extend_schema(request=TemplateIn, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        template = services.template_save(data=request.data)
        return Response(template_out(template), status=status.HTTP_201_CREATED)


class TemplateDetailApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        template = selectors.template_list().filter(pk=pk).first()
        if template is None:
            raise Http404
        return Response(template_out(template))

    @extend_schema(request=TemplateIn, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request, pk: int) -> Response:
        template = ChecklistTemplate.objects.filter(pk=pk).first()
        if template is None:
            raise Http404
        template = services.template_save(data=request.data, template=template)
        return Response(template_out(selectors.template_list().get(pk=template.pk)))


class HolidayApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    class HolidayUploadIn(serializers.Serializer):
        file = serializers.FileField(max_length=200)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response([{"date": h.date.isoformat(), "name": h.name} for h in Holiday.objects.all()])

    @extend_schema(request={"multipart/form-data": HolidayUploadIn}, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = validated(self.HolidayUploadIn, request.data)
        if data["file"].size > 1024 * 1024:
            raise exceptions.ValidationError({"file": [_("文件过大（上限 1 MB）")]})
        return Response({"stored": services.holidays_import(data=data["file"].read())})


# --- Runs --------------------------------------------------------------------------------------


class TodayApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        runs = selectors.my_runs(user=request.user, on=services.local_today())
        return Response([run_out(run) for run in runs])


class ItemCompleteApi(APIView):
    permission_classes = [roles(*ASSIGNABLE)]

    class ItemCompleteIn(serializers.Serializer):
        photo = serializers.FileField(required=False, allow_empty_file=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    @extend_schema(request={"multipart/form-data": ItemCompleteIn}, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        item = selectors.own_item_for(request.user, pk)
        data = validated(self.ItemCompleteIn, request.data)
        upload = data.get("photo")
        if upload is not None and upload.size > MAX_BYTES:
            raise PhotoTooLarge(_("照片过大（上限 %(mb)d MB）") % {"mb": MAX_BYTES // (1024 * 1024)})
        try:
            item = services.item_complete(
                item=item,
                by=request.user,
                photo=upload.read() if upload is not None else None,
                note=data["note"],
            )
        except PhotoRejected as rejected:
            if rejected.too_large:
                raise PhotoTooLarge(rejected.reason) from None
            raise exceptions.ValidationError({"photo": [rejected.reason]}) from None
        run = selectors.run_for(request.user, item.run_id)
        return Response(run_out(run))


def _date_param(request: Request, name: str, default: date | None = None) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _status_param(request: Request) -> str:
    value = request.query_params.get("status", "")
    if value and value not in ChecklistRun.Status.values:
        raise exceptions.ValidationError({"status": [_("未知状态")]})
    return value


class RunListApi(APIView):
    permission_classes = [roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE),
            OpenApiParameter("branch", str, description="branch code"),
            OpenApiParameter("status", str, enum=ChecklistRun.Status.values),
        ],
        operation_id="checklists_runs_list",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        runs = selectors.run_list(
            user=request.user,
            on=_date_param(request, "date"),
            branch=request.query_params.get("branch", ""),
            status=_status_param(request),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(runs, request, view=self)
        rows = [
            {
                **run_out(run, with_items=False),
                "assignee": person(run.assignee),
                "branch": branch_out(run.branch),
                "items_total": run.items_total,
                "items_done": run.items_done,
                "completion": round(run.items_done / run.items_total, 4) if run.items_total else None,
            }
            for run in page
        ]
        return paginator.get_paginated_response(rows)


class RunDetailApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        run = selectors.run_for(request.user, pk)
        return Response(
            {
                **run_out(run),
                "assignee": person(run.assignee),
                "branch": branch_out(run.branch),
                "audits": [audit_out(a) for a in run.audits.all()],
            }
        )


class RunAuditApi(APIView):
    permission_classes = [IsBranchLead]

    class RunAuditIn(serializers.Serializer):
        verdict = serializers.ChoiceField(choices=RunAudit.Verdict.choices)
        comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")

    @extend_schema(request=RunAuditIn, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        run = selectors.run_for(request.user, pk)
        data = validated(self.RunAuditIn, request.data)
        audit = services.run_audit(run=run, by=request.user, **data)
        run = selectors.run_for(request.user, pk)
        return Response({**run_out(run), "audit": audit_out(audit)})


class ItemPhotoApi(APIView):
    """Photos are streamed only to people who may see the run; never a public media URL."""

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        item = selectors.visible_item_for(request.user, pk)
        if not item.photo:
            raise Http404
        response = FileResponse(item.photo.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Figures -----------------------------------------------------------------------------------


def _range(request: Request) -> tuple[date, date]:
    today = services.local_today()
    until = _date_param(request, "until", today)
    since = _date_param(request, "since", until - timedelta(days=13))
    if since > until:
        raise exceptions.ValidationError({"since": [_("开始日期不能晚于结束日期")]})
    if (until - since).days > MAX_RANGE_DAYS:
        raise exceptions.ValidationError({"since": [_("时间范围最多一年")]})
    return since, until


class DashboardApi(APIView):
    permission_classes = [roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("branch", str, description="branch code"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        since, until = _range(request)
        return Response(
            selectors.dashboard(
                user=request.user, since=since, until=until, branch=request.query_params.get("branch", "")
            )
        )


class ExportApi(APIView):
    permission_classes = [IsHeadOffice]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("branch", str, description="branch code"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        since, until = _range(request)
        return runs_csv(
            user=request.user, since=since, until=until, branch=request.query_params.get("branch", "")
        )
