from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsHeadOffice, read_all_write, roles
from rm_portal.core.services import job_create
from rm_portal.customers import selectors
from rm_portal.customers.masking import mask_id_number, mask_phone
from rm_portal.customers.models import Customer, PortraitAccess, Segment, TagDefinition
from rm_portal.customers.services.handover import staff_handover
from rm_portal.customers.services.imports import MAX_IMPORT_BYTES, ImportFailed, header_peek
from rm_portal.customers.services.portraits import portrait_access_record
from rm_portal.customers.services.tags import segment_create, tag_create
from rm_portal.customers.tasks import customers_import_run, tags_recompute_run
from rm_portal.org.access import get_scoped_or_404, staff_of
from rm_portal.org.models import Role, Staff
from rm_portal.org.serializers import BranchOut

PortraitReaders = roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)


class TagOut(serializers.ModelSerializer):
    class Meta:
        model = TagDefinition
        fields = ["code", "name", "category", "rule"]


class TagBrief(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()


def _owner(customer: Customer) -> dict | None:
    owner = customer.owner
    if owner is None:
        return None
    staff = getattr(owner, "staff", None)
    return {"username": owner.username, "display_name": staff.name if staff else owner.username}


class CustomerRow(serializers.Serializer):
    cust_no = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.SerializerMethodField()
    branch = BranchOut()
    owner = serializers.SerializerMethodField()
    aum = serializers.DecimalField(max_digits=16, decimal_places=2)
    risk_rating = serializers.CharField()
    tags = serializers.SerializerMethodField()

    def get_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)

    def get_owner(self, customer: Customer) -> dict | None:
        return _owner(customer)

    def get_tags(self, customer: Customer) -> list[dict]:
        return [TagBrief(ct.tag).data for ct in customer.customer_tags.all()]


class HoldingOut(serializers.Serializer):
    product = serializers.CharField()
    type = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    maturity_date = serializers.DateField(allow_null=True)
    days_to_maturity = serializers.SerializerMethodField()

    def get_days_to_maturity(self, holding) -> int | None:  # type: ignore[no-untyped-def]
        return selectors.days_until(holding.maturity_date)


class TimelineOut(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.JSONField()
    occurred_at = serializers.DateTimeField()


def portrait_data(portrait: selectors.Portrait) -> dict:
    customer = portrait.customer
    return {
        "cust_no": customer.cust_no,
        "name": customer.name,
        "phone": mask_phone(customer.phone),
        "id_number": mask_id_number(customer.id_number),
        "birthday": customer.birthday.isoformat() if customer.birthday else None,
        "branch": {"code": customer.branch.code, "name": customer.branch.name},
        "owner": _owner(customer),
        "aum": f"{customer.aum:.2f}",
        "risk_rating": customer.risk_rating,
        "opened_on": customer.opened_on.isoformat() if customer.opened_on else None,
        "tags": [TagBrief(tag).data for tag in portrait.tags],
        "indicators_as_of": portrait.as_of.isoformat() if portrait.as_of else None,
        "indicators": portrait.indicators,
        "holdings": HoldingOut(portrait.holdings, many=True).data,
        "timeline": TimelineOut(portrait.timeline, many=True).data,
    }


def _list_params(request: Request) -> dict:
    q = request.query_params.get("q", "").strip()
    if len(q) > 100:
        raise ValidationError({"q": [_("搜索词过长")]})
    tags = [code for code in request.query_params.getlist("tag") if code]
    if len(tags) > 20:
        raise ValidationError({"tag": [_("标签过多")]})
    return {
        "q": q,
        "tags": tags,
        "segment": request.query_params.get("segment", ""),
        "ordering": request.query_params.get("ordering") or "cust_no",
    }


class CustomerListApi(APIView):
    permission_classes = [PortraitReaders]
    pagination_class = Pagination  # read by the schema, so the document shows the paginated wrapper

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("tag", str, many=True),
            OpenApiParameter("segment", str),
            OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
        ],
        responses=CustomerRow(many=True),
    )
    def get(self, request: Request) -> Response:
        customers = selectors.customer_list(user=request.user, **_list_params(request))
        paginator = Pagination()
        page = paginator.paginate_queryset(customers, request, view=self)
        return paginator.get_paginated_response(CustomerRow(page, many=True).data)


class CustomerDetailApi(APIView):
    permission_classes = [PortraitReaders]

    @extend_schema(responses=inline_serializer("Portrait", {"cust_no": serializers.CharField()}))
    def get(self, request: Request, cust_no: str) -> Response:
        customer = selectors.customer_for(user=request.user, cust_no=cust_no)
        portrait_access_record(user=request.user, customer=customer)
        return Response(portrait_data(selectors.portrait_of(customer=customer)))


class CustomerRevealApi(APIView):
    """Head office only: the unmasked identity, and a row in the access log saying so."""

    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses=inline_serializer("Identity", {"phone": serializers.CharField()}))
    def post(self, request: Request, cust_no: str) -> Response:
        customer = selectors.customer_for(user=request.user, cust_no=cust_no)
        portrait_access_record(user=request.user, customer=customer, action=PortraitAccess.Action.REVEAL)
        return Response(
            {
                "cust_no": customer.cust_no,
                "name": customer.name,
                "phone": customer.phone,
                "id_number": customer.id_number,
            }
        )


def import_upload(*, user, upload, as_of) -> int:  # type: ignore[no-untyped-def]
    """Store the file, create the job and queue it; the page and the API share this."""
    if upload.size > MAX_IMPORT_BYTES:
        raise ImportFailed(_("文件过大（上限 %(mb)s MB）") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})
    upload.seek(0)
    header_peek(upload.read(64 * 1024))
    upload.seek(0)
    name = default_storage.save(f"imports/customers/{uuid.uuid4().hex}.csv", upload)
    job = job_create(owner=user, kind="customers_import")
    as_of_text = as_of.isoformat() if as_of else timezone.localdate().isoformat()
    transaction.on_commit(lambda: customers_import_run.delay(job.pk, name, as_of_text))
    return job.pk


class CustomerImportApi(APIView):
    permission_classes = [IsHeadOffice]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="CustomerImportInput")
    class Input(serializers.Serializer):
        file = serializers.FileField()
        as_of = serializers.DateField(required=False)

    @extend_schema(
        request=Input, responses={202: inline_serializer("JobRef", {"job": serializers.IntegerField()})}
    )
    def post(self, request: Request) -> Response:
        # Refuse a huge body before reading it: the size the client declares is enough.
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES + 64 * 1024:
            return Response(
                {"detail": _("文件过大（上限 %(mb)s MB）") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        data = validated(self.Input, request.data)
        try:
            with transaction.atomic():
                job_id = import_upload(user=request.user, upload=data["file"], as_of=data.get("as_of"))
        except ImportFailed as error:
            too_big = data["file"].size > MAX_IMPORT_BYTES
            return Response(
                {"detail": str(error)},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if too_big else status.HTTP_400_BAD_REQUEST,
            )
        return Response({"job": job_id}, status=status.HTTP_202_ACCEPTED)


class TagListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema_serializer(component_name="TagInput")
    class Input(serializers.Serializer):
        code = serializers.RegexField(r"^[a-z][a-z0-9_]{0,63}$")
        name = serializers.CharField(max_length=64)
        category = serializers.CharField(max_length=32, required=False, allow_blank=True)
        rule = serializers.CharField(max_length=2000)

    @extend_schema(responses=TagOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(TagOut(selectors.tag_list(), many=True).data)

    @extend_schema(request=Input, responses={201: TagOut})
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        tag = tag_create(**data)
        transaction.on_commit(lambda: tags_recompute_run.delay([tag.code]))
        return Response(TagOut(tag).data, status=status.HTTP_201_CREATED)


class SegmentOut(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = ["code", "name", "match", "description", "tags"]

    def get_tags(self, segment: Segment) -> list[str]:
        return [tag.code for tag in segment.tags.all()]


class SegmentListApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema_serializer(component_name="SegmentInput")
    class Input(serializers.Serializer):
        code = serializers.RegexField(r"^[a-z][a-z0-9_]{0,63}$")
        name = serializers.CharField(max_length=64)
        tags = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=20)
        match = serializers.ChoiceField(choices=Segment.Match.choices, required=False)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(responses=SegmentOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(SegmentOut(selectors.segment_list(), many=True).data)

    @extend_schema(request=Input, responses={201: SegmentOut})
    def post(self, request: Request) -> Response:
        segment = segment_create(**validated(self.Input, request.data))
        return Response(SegmentOut(segment).data, status=status.HTTP_201_CREATED)


class StaffHandoverApi(APIView):
    permission_classes = [roles(Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema_serializer(component_name="HandoverInput")
    class Input(serializers.Serializer):
        to = serializers.CharField(max_length=150)

    @extend_schema(
        request=Input,
        responses=inline_serializer(
            "HandoverOut", {"moved": serializers.DictField(), "deactivated": serializers.CharField()}
        ),
    )
    def post(self, request: Request, username: str) -> Response:
        data = validated(self.Input, request.data)
        leaver = get_scoped_or_404(
            request.user, Staff.objects.select_related("user"), user__username=username
        )
        successor = Staff.objects.select_related("user").filter(user__username=data["to"]).first()
        moved = staff_handover(leaver=leaver, successor=successor, by=staff_of(request.user))
        return Response({"moved": moved, "deactivated": leaver.user.username})
