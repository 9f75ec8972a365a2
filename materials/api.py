"""API v1 of the marketing kit: materials, share, poster, share stats, overrides."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.generics import ListAPIView
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from materials import posters
from materials.fonts import FontMissing
from materials.models import Kind, MarketingCategory, Material, OverrideLog, RiskLevel
from materials.selectors import (
    ShareStat,
    material_for,
    material_list,
    material_search,
    override_list,
    poster_template_for,
    share_customer_for,
    share_stats,
)
from materials.serializers import (
    MaterialOut,
    OverrideOut,
    ShareOut,
    ShareRefusedOut,
    ShareStatOut,
    landing_url,
)
from materials.services.materials import material_create, material_publish, material_update, material_withdraw
from materials.services.posters import poster_make
from materials.services.shares import share_create
from rm_portal.api.inputs import validated
from rm_portal.api.permissions import IsHeadOffice, IsRM, read_all_write, roles
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.serializers import UnavailableOut
from rm_portal.org.models import Role

PNG = {(200, "image/png"): OpenApiTypes.BINARY, 503: UnavailableOut}


@extend_schema_field(OpenApiTypes.OBJECT)
class LayoutField(serializers.Field):
    """A JSON object, or (in a multipart form) a string holding one."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
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


class MaterialFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    q = django_filters.CharFilter(
        method="search", max_length=100, help_text="substring of title, body or category; title hits first"
    )

    class Meta:
        model = Material
        fields = ["kind", "q"]

    def search(self, queryset: QuerySet[Material], name: str, value: str) -> QuerySet[Material]:
        return material_search(queryset, value)


class MaterialListApi(ListAPIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]
    serializer_class = MaterialOut
    filterset_class = MaterialFilter
    request: AuthedRequest

    def get_queryset(self) -> QuerySet[Material]:
        return material_list(user=self.request.user)

    @extend_schema(operation_id="v1_materials_list")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=MaterialIn, responses={201: MaterialOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(MaterialIn, request.data)
        material = material_create(by=request.user, **data)
        material = material_for(request.user, material.pk)
        return Response(MaterialOut(material, context={"request": request}).data, status=201)


class MaterialDetailApi(APIView):
    permission_classes = [read_all_write(Role.HEAD_OFFICE)]

    @extend_schema(responses={200: MaterialOut})
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(MaterialOut(material_for(request.user, pk), context={"request": request}).data)

    def _update(self, request: AuthedRequest, pk: int, *, partial: bool) -> Response:
        material = material_for(request.user, pk)
        data = validated(MaterialIn, request.data, partial=partial)
        material = material_update(material=material, by=request.user, **data)
        material = material_for(request.user, material.pk)
        return Response(MaterialOut(material, context={"request": request}).data)

    @extend_schema(request=MaterialIn, responses={200: MaterialOut})
    def patch(self, request: AuthedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(request=MaterialIn, responses={200: MaterialOut})
    def put(self, request: AuthedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=False)


class MaterialPublishApi(APIView):
    """Head office's explicit publish step: 400 naming what is missing, 409 when already published."""

    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses={200: MaterialOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        material = material_publish(material=material_for(request.user, pk), by=request.user)
        return Response(
            MaterialOut(material_for(request.user, material.pk), context={"request": request}).data
        )


class MaterialWithdrawApi(APIView):
    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses={200: MaterialOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        material = material_withdraw(material=material_for(request.user, pk), by=request.user)
        return Response(
            MaterialOut(material_for(request.user, material.pk), context={"request": request}).data
        )


class ShareIn(serializers.Serializer):
    customer = serializers.CharField(required=False, allow_blank=True, max_length=32)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class MaterialShareApi(APIView):
    permission_classes = [IsRM]

    @extend_schema(request=ShareIn, responses={201: ShareOut, 409: ShareRefusedOut})
    def post(self, request: AuthedRequest, pk: int) -> Response:
        data = validated(ShareIn, request.data)
        material = material_for(request.user, pk)
        cust_no = data.get("customer", "")
        customer = share_customer_for(request.user, cust_no) if cust_no else None
        share = share_create(
            rm=request.user,
            material=material,
            customer=customer,
            override_reason=data.get("override_reason", ""),
        )
        return Response(ShareOut(share, context={"request": request}).data, status=201)


class FontUnavailable(APIException):
    status_code = 503
    default_code = "font_missing"


class _ImageApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # An <img> asks for image/*; errors still answer JSON.
        return super().perform_content_negotiation(request, force=True)


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


class MaterialPosterApi(_ImageApi):
    permission_classes = [IsRM]

    @extend_schema(responses=PNG)
    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:
        material = poster_template_for(request.user, pk)
        try:
            data = poster_make(
                rm=request.user, material=material, url_for=lambda token: landing_url(request, token)
            )
        except FontMissing as exc:
            raise FontUnavailable(str(exc)) from exc
        return _png(data)


class MaterialPreviewApi(_ImageApi):
    permission_classes = [IsHeadOffice]

    @extend_schema(responses=PNG)
    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:
        material = poster_template_for(request.user, pk)
        try:
            return _png(posters.poster_preview(layout=material.layout))
        except FontMissing as exc:
            raise FontUnavailable(str(exc)) from exc


class ShareStatsApi(ListAPIView):
    """Per material: links made, views, unique visitors, customers reached; most viewed first."""

    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)]
    serializer_class = ShareStatOut
    filter_backends: list[type] = []  # aggregated rows, not a queryset: `rm` is read here
    request: AuthedRequest

    def get_queryset(self) -> list[ShareStat]:  # type: ignore[override]  # the paginator takes a list
        return share_stats(user=self.request.user, rm=self.request.query_params.get("rm", "")[:150])

    @extend_schema(parameters=[OpenApiParameter("rm", str, description="one RM's username")])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class OverrideListApi(ListAPIView):
    """Suitability/consent overrides, for compliance to review."""

    permission_classes = [roles(Role.COMPLIANCE, Role.HEAD_OFFICE, Role.BRANCH_LEAD)]
    serializer_class = OverrideOut
    request: AuthedRequest

    def get_queryset(self) -> QuerySet[OverrideLog]:
        return override_list(user=self.request.user)
