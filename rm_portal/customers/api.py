"""The customers API: parse → access → service → an output serializer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.fields import BankDateField
from rm_portal.api.inputs import query, validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsHeadOffice, IsRM, read_all_write, roles
from rm_portal.core.errors import TooLarge
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.serializers import JobAcceptedOut
from rm_portal.customers import selectors
from rm_portal.customers.models import Handover, PortraitAccess, Segment
from rm_portal.customers.serializers import (
    CustomerRowOut,
    HandoverOut,
    HandoverPreviewOut,
    HandoverRowOut,
    IdentityOut,
    PortraitOut,
    SegmentOut,
    TagOut,
    TimelineOut,
)
from rm_portal.customers.services.handover import handover_confirm, handover_preview
from rm_portal.customers.services.imports import customers_import_upload, max_import_bytes
from rm_portal.customers.services.portraits import (
    NOTE_MAX_CHARS,
    customer_call,
    customer_note_add,
    portrait_access_record,
)
from rm_portal.customers.services.tags import segment_create, tag_create
from rm_portal.org.models import Role

PortraitReaders = roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
HandoverRoles = roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)
MULTIPART_SLACK = 64 * 1024  # the form's own bytes around the file


class CustomerListQuery(serializers.Serializer[dict[str, Any]]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, error_messages={"max_length": _("搜索词过长")}
    )
    tag = serializers.ListField(
        child=serializers.CharField(max_length=64, allow_blank=True),
        required=False,
        max_length=20,
        error_messages={"max_length": _("标签过多")},
    )
    segment = serializers.CharField(required=False, allow_blank=True, max_length=64)
    ordering = serializers.ChoiceField(choices=selectors.ORDERINGS, required=False, allow_blank=True)


class CustomerListApi(APIView):
    permission_classes = [PortraitReaders]
    pagination_class = Pagination  # read by the schema, so the document shows the paginated wrapper

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="客户号或姓名的一部分，或手机号后 4 位（最多 100 字）"),
            OpenApiParameter("tag", str, many=True, description="标签代码；多个标签须同时具有（最多 20 个）"),
            OpenApiParameter("segment", str, description="客群代码"),
            OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
        ],
        responses=CustomerRowOut(many=True),
    )
    def get(self, request: AuthedRequest) -> Response:
        params = query(CustomerListQuery, request.query_params)
        customers = selectors.customer_list(
            user=request.user,
            q=params.get("q", "").strip(),
            tags=[code for code in params.get("tag", []) if code],
            segment=params.get("segment", ""),
            ordering=params.get("ordering") or "cust_no",
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(customers, request, view=self)
        return paginator.get_paginated_response(CustomerRowOut(page, many=True).data)


class CustomerDetailApi(APIView):
    permission_classes = [PortraitReaders]

    @extend_schema(responses=PortraitOut)
    def get(self, request: AuthedRequest, cust_no: str) -> Response:
        customer = selectors.customer_for(request.user, cust_no)
        portrait_access_record(user=request.user, customer=customer)
        return Response(PortraitOut(selectors.portrait_of(customer=customer)).data)


class CustomerRevealApi(APIView):
    """Head office only: the unmasked identity, and a row in the access log saying so."""

    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses=IdentityOut)
    def post(self, request: AuthedRequest, cust_no: str) -> Response:
        customer = selectors.customer_for(request.user, cust_no)
        portrait_access_record(user=request.user, customer=customer, action=PortraitAccess.Action.REVEAL)
        return Response(IdentityOut(customer).data)


class CallOut(serializers.Serializer[dict[str, str]]):
    tel = serializers.CharField(help_text="tel: URL to dial now; not kept by the page")


class CustomerCallApi(APIView):
    """The owner's logged reveal for a call: answers the `tel:` URL once, never the page."""

    permission_classes = [IsRM]

    @extend_schema(request=None, responses=CallOut)
    def post(self, request: AuthedRequest, cust_no: str) -> Response:
        customer = selectors.customer_to_work_for(request.user, cust_no)
        response = Response(CallOut({"tel": customer_call(customer=customer, by=request.user)}).data)
        response["Cache-Control"] = "no-store"
        return response


class CustomerNoteApi(APIView):
    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD)]

    @extend_schema_serializer(component_name="CustomerNoteInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        # The service's own limit decides (one message for the page and the API); this only
        # stops a body far past it before it is read into a string.
        text = serializers.CharField(max_length=NOTE_MAX_CHARS * 2, trim_whitespace=False, allow_blank=True)

    @extend_schema(request=Input, responses={201: TimelineOut})
    def post(self, request: AuthedRequest, cust_no: str) -> Response:
        data = validated(self.Input, request.data)
        customer = selectors.customer_for(request.user, cust_no)
        event = customer_note_add(customer=customer, by=request.user, text=data["text"])
        return Response(TimelineOut(event).data, status=status.HTTP_201_CREATED)


class CustomerImportApi(APIView):
    permission_classes = [IsHeadOffice]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="CustomerImportInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        file = serializers.FileField()
        as_of = BankDateField(required=False)

    @extend_schema(request=Input, responses={202: JobAcceptedOut})
    def post(self, request: AuthedRequest) -> Response:
        # Refuse a huge body before reading it: the size the client declares is enough.
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > max_import_bytes() + MULTIPART_SLACK:
            raise TooLarge(_("文件过大（上限 %(mb)s MB）") % {"mb": max_import_bytes() // (1024 * 1024)})
        data = validated(self.Input, request.data)
        job = customers_import_upload(by=request.user, upload=data["file"], as_of=data.get("as_of"))
        return Response(JobAcceptedOut(job).data, status=status.HTTP_202_ACCEPTED)


class TagListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema_serializer(component_name="TagInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        code = serializers.RegexField(r"^[a-z][a-z0-9_]{0,63}$")
        name = serializers.CharField(max_length=64)
        category = serializers.CharField(max_length=32, required=False, allow_blank=True)
        rule = serializers.CharField(max_length=2000)

    @extend_schema(responses=TagOut(many=True))
    def get(self, request: AuthedRequest) -> Response:
        return Response(TagOut(selectors.tag_list(), many=True).data)

    @extend_schema(request=Input, responses={201: TagOut})
    def post(self, request: AuthedRequest) -> Response:
        tag = tag_create(**validated(self.Input, request.data))
        return Response(TagOut(tag).data, status=status.HTTP_201_CREATED)


class SegmentListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema_serializer(component_name="SegmentInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        code = serializers.RegexField(r"^[a-z][a-z0-9_]{0,63}$")
        name = serializers.CharField(max_length=64)
        tags = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=20)
        match = serializers.ChoiceField(choices=Segment.Match.choices, required=False)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(responses=SegmentOut(many=True))
    def get(self, request: AuthedRequest) -> Response:
        return Response(SegmentOut(selectors.segment_list(), many=True).data)

    @extend_schema(request=Input, responses={201: SegmentOut})
    def post(self, request: AuthedRequest) -> Response:
        segment = segment_create(**validated(self.Input, request.data))
        return Response(SegmentOut(segment).data, status=status.HTTP_201_CREATED)


class HandoverQuery(serializers.Serializer[dict[str, Any]]):
    to = serializers.CharField(max_length=150)
    mode = serializers.ChoiceField(choices=Handover.Mode.choices, default=Handover.Mode.RESIGNED)


class StaffHandoverPreviewApi(APIView):
    """What would move if this person's book went to `to`, and the token that confirms exactly that."""

    permission_classes = [HandoverRoles]

    @extend_schema(parameters=[HandoverQuery], responses=HandoverPreviewOut)
    def get(self, request: AuthedRequest, username: str) -> Response:
        params = query(HandoverQuery, request.query_params)
        leaver = selectors.leaver_for(request.user, username)
        preview = handover_preview(
            leaver=leaver,
            successor=selectors.successor_named(params["to"]),
            by=request.user.staff,
            mode=params["mode"],
        )
        return Response(HandoverPreviewOut(preview).data)


class StaffHandoverApi(APIView):
    permission_classes = [HandoverRoles]

    @extend_schema_serializer(component_name="HandoverInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        to = serializers.CharField(max_length=150, help_text="the successor, named again")
        token = serializers.CharField(max_length=64, help_text="the preview's token")
        confirm = serializers.BooleanField(help_text="must be true: the explicit confirmation")
        mode = serializers.ChoiceField(choices=Handover.Mode.choices, default=Handover.Mode.RESIGNED)

        def validate_confirm(self, value: bool) -> bool:
            if not value:
                raise serializers.ValidationError(_("请确认交接"))
            return value

    @extend_schema(request=Input, responses={201: HandoverOut})
    def post(self, request: AuthedRequest, username: str) -> Response:
        data = validated(self.Input, request.data)
        leaver = selectors.leaver_for(request.user, username)
        handover = handover_confirm(
            leaver=leaver,
            successor=selectors.successor_named(data["to"]),
            by=request.user.staff,
            token=data["token"],
            mode=data["mode"],
        )
        found = selectors.handover_for(request.user, handover.pk)
        return Response(HandoverOut(found).data, status=status.HTTP_201_CREATED)


class HandoverListApi(APIView):
    """The handovers of the lead's branch (head office: all), newest first."""

    permission_classes = [HandoverRoles]
    pagination_class = Pagination

    @extend_schema(responses=HandoverRowOut(many=True))
    def get(self, request: AuthedRequest) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.handover_list(request.user), request, view=self)
        return paginator.get_paginated_response(HandoverRowOut(page, many=True).data)


class HandoverDetailApi(APIView):
    permission_classes = [HandoverRoles]

    @extend_schema(responses=HandoverOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(HandoverOut(selectors.handover_for(request.user, pk)).data)
