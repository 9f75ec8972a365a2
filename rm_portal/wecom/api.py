"""The WeCom parts of the API: the RM's own 联系我 code."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.permissions import IsRM
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.serializers import UnavailableOut
from rm_portal.wecom.contact_ways import contact_way_of_rm
from rm_portal.wecom.models import ContactWay


class ContactWayOut(serializers.ModelSerializer[ContactWay]):
    class Meta:
        model = ContactWay
        fields = ["config_id", "qr_code", "state"]
        extra_kwargs: dict[str, Any] = {
            "qr_code": {
                "help_text": "WeCom's image of the code, to show on the 我的 page and the business card"
            },
            "state": {"help_text": "comes back with every add made through this code"},
        }


class MeContactWayApi(APIView):
    """The RM's own 联系我 code, created once with WeCom's add_contact_way (type 1, scene 2)."""

    permission_classes = [IsRM]

    @extend_schema(
        responses={
            200: ContactWayOut,
            503: OpenApiResponse(
                UnavailableOut, description="WeCom is not configured, did not answer, or refused"
            ),
        }
    )
    def get(self, request: AuthedRequest) -> Response:
        return Response(ContactWayOut(contact_way_of_rm(user=request.user)).data)
