"""API v1 of the marketing kit (DESIGN §4): materials, share, poster, share stats."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from materials import posters
from materials.fonts import FontMissing
from materials.models import Kind, MarketingCategory, Material, OverrideLog, RiskLevel
from materials.selectors import customer_for_share, material_for, material_list, override_list, share_stats
from materials.services import material_create, material_update, share_create, share_text
from rm_portal.api.inputs import validated
from rm_portal.api.permissions import IsHeadOffice, IsRM, read_all_write, roles
from rm_portal.org.models import Role


def landing_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("materials:landing", args=[token]))


@extend_schema_field(OpenApiTypes.OBJECT)
class LayoutField(serializers.Field):
    """A JSON object, or (in a multipart form) a string holding one."""

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("版式不是有效的 JSON")) from None
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("版式必须是 JSON 对象"))
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class MaterialIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    category = serializers.CharField(required=False, allow_blank=True, max_length=64)
    tags = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)
    product_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, allow_blank=True)
    marketing_category = serializers.ChoiceField(
        choices=MarketingCategory.choices, required=False, allow_blank=True
    )
    publish_from = serializers.DateTimeField(required=False, allow_null=True)
    publish_until = serializers.DateTimeField(required=False, allow_null=True)
    branches = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=200
    )
    allow_override = serializers.BooleanField(required=False)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)
    background = serializers.FileField(required=False)
    layout = LayoutField(required=False)


def material_out(material: Material, request: Request) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": material.pk,
        "kind": material.kind,
        "title": material.title,
        "body": material.body,
        "category": material.category,
        "tags": material.tags,
        "product_url": material.product_url,
        "risk_level": material.risk_level,
        "marketing_category": material.marketing_category,
        "publish_from": material.publish_from,
        "publish_until": material.publish_until,
        "branches": [b.code for b in material.branches.all()],
        "version": material.version,
        "allow_override": material.allow_override,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": request.build_absolute_uri(reverse("materials:file", args=[material.pk, a.pk])),
            }
            for a in material.attachments.all()
        ],
        "layout": None,
    }
    layout = getattr(material, "layout", None) if material.kind == Kind.POSTER else None
    if layout is not None:
        data["layout"] = {
            "width": layout.width,
            "height": layout.height,
            "qr_x": layout.qr_x,
            "qr_y": layout.qr_y,
            "qr_size": layout.qr_size,
            "slots": layout.slots,
            "background": request.build_absolute_uri(reverse("materials:background", args=[material.pk])),
        }
        data["poster_url"] = request.build_absolute_uri(f"/api/v1/materials/{material.pk}/poster.png")
    return data


class MaterialListApi(ListAPIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(
        operation_id="v1_materials_list",
        parameters=[
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("q", str, description="substring of title or body; title hits first"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        kind = request.query_params.get("kind", "")
        if kind and kind not in Kind.values:
            return Response(
                {"kind": [_("未知类型：%(kind)s") % {"kind": kind}]}, status=status.HTTP_400_BAD_REQUEST
            )
        qs = material_list(user=request.user, kind=kind, q=request.query_params.get("q", ""))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([material_out(m, request) for m in page])

    @extend_schema(request=MaterialIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = validated(MaterialIn, request.data)
        material = material_create(by=request.user, **data)
        return Response(material_out(material_for(request.user, material.pk), request), status=201)


class MaterialDetailApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        return Response(material_out(material_for(request.user, pk), request))

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        material = material_for(request.user, pk)
        data = validated(MaterialIn, request.data, partial=partial)
        material = material_update(material=material, by=request.user, **data)
        return Response(material_out(material_for(request.user, material.pk), request))

    @extend_schema(request=MaterialIn, responses={200: dict})
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(request=MaterialIn, responses={200: dict})
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)


class ShareIn(serializers.Serializer):
    customer = serializers.CharField(required=False, allow_blank=True, max_length=32)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class MaterialShareApi(APIView):
    permission_classes = [IsRM]

    @extend_schema(request=ShareIn, responses={201: dict, 409: dict})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ShareIn, request.data)
        material = material_for(request.user, pk)
        customer = customer_for_share(request.user, data["customer"]) if data.get("customer") else None
        share = share_create(
            rm=request.user,
            material=material,
            customer=customer,
            override_reason=data.get("override_reason", ""),
        )
        url = landing_url(request, share.token)
        text = share_text(material=material, staff=request.user.staff, customer=customer, url=url)
        return Response(
            {
                "token": share.token,
                "url": url,
                "text": text,
                "rule": share.rule,
                "expires_at": share.expires_at,
            },
            status=201,
        )


class _ImageApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False):  # type: ignore[no-untyped-def]
        # An <img> asks for image/*; errors still answer JSON.
        return super().perform_content_negotiation(request, force=True)


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


class MaterialPosterApi(_ImageApi):
    permission_classes = [IsRM]

    @extend_schema(responses={(200, "image/png"): bytes})
    def get(self, request: Request, pk: int) -> HttpResponse:
        material = material_for(request.user, pk)
        if material.kind != Kind.POSTER or getattr(material, "layout", None) is None:
            return Response({"detail": _("该物料不是海报模板")}, status=404)
        try:
            data = posters.poster_for(
                user=request.user, material=material, url_for=lambda token: landing_url(request, token)
            )
        except FontMissing as exc:
            return Response({"detail": str(exc)}, status=503)
        return _png(data)


class MaterialPreviewApi(_ImageApi):
    permission_classes = [IsHeadOffice]

    @extend_schema(responses={(200, "image/png"): bytes})
    def get(self, request: Request, pk: int) -> HttpResponse:
        material = material_for(request.user, pk)
        if material.kind != Kind.POSTER or getattr(material, "layout", None) is None:
            return Response({"detail": _("该物料不是海报模板")}, status=404)
        try:
            return _png(posters.poster_preview(layout=material.layout))
        except FontMissing as exc:
            return Response({"detail": str(exc)}, status=503)


class ShareStatsApi(APIView):
    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)]

    @extend_schema(parameters=[OpenApiParameter("rm", str, description="one RM's username")], responses=dict)
    def get(self, request: Request) -> Response:
        rows = share_stats(user=request.user, rm=request.query_params.get("rm", "")[:150])
        return Response({"count": len(rows), "next": None, "previous": None, "results": rows})


class OverrideOut(serializers.ModelSerializer):
    rm = serializers.CharField(source="rm.username")
    rm_name = serializers.CharField(source="rm.staff.name")
    material = serializers.IntegerField(source="material_id")
    material_title = serializers.CharField(source="material.title")
    customer = serializers.CharField(source="customer.cust_no")

    class Meta:
        model = OverrideLog
        fields = [
            "id",
            "rm",
            "rm_name",
            "material",
            "material_title",
            "customer",
            "rules",
            "reasons",
            "reason",
        ]
        fields += ["created_at"]


class OverrideListApi(ListAPIView):
    """Suitability/consent overrides, for compliance to review."""

    permission_classes = [roles(Role.COMPLIANCE, Role.HEAD_OFFICE, Role.BRANCH_LEAD)]
    serializer_class = OverrideOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return override_list(user=self.request.user)
