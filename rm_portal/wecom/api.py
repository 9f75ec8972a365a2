"""The WeCom parts of the API: the RM's own 联系我 code, and the contacts (list, card, bind)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import query, validated
from rm_portal.api.pagination import Pagination
from rm_portal.api.permissions import IsRM, roles
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.serializers import UnavailableOut
from rm_portal.customers.selectors import customer_for
from rm_portal.org.models import Role
from rm_portal.wecom import selectors
from rm_portal.wecom.contact_ways import contact_way_of_rm
from rm_portal.wecom.contacts import contact_bind
from rm_portal.wecom.models import ContactFollow, ContactWay
from rm_portal.wecom.serializers import ContactDetailOut, ContactOut


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


# ---- contacts (企业微信客户) ------------------------------------------------------------------


class ContactListQuery(serializers.Serializer[dict[str, Any]]):
    bound = serializers.BooleanField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ContactFollow.Status.choices, required=False)


class ContactListApi(APIView):
    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)]
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("bound", bool, description="true: bound to a bank customer; false: not yet"),
            OpenApiParameter("status", str, enum=list(ContactFollow.Status.values)),
        ],
        responses=ContactOut(many=True),
    )
    def get(self, request: AuthedRequest) -> Response:
        params = query(ContactListQuery, request.query_params)
        follows = selectors.contact_list(
            user=request.user, bound=params.get("bound"), status=params.get("status") or ""
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(follows, request, view=self)
        return paginator.get_paginated_response(ContactOut(page, many=True).data)


class ContactDetailApi(APIView):
    """The owning RM's (or their lead's) view of a contact: what the chat sidebar shows."""

    permission_classes = [roles(Role.RM, Role.BRANCH_LEAD)]

    @extend_schema(responses=ContactDetailOut)
    def get(self, request: AuthedRequest, external_userid: str) -> Response:
        follow = selectors.contact_for(request.user, external_userid)
        return Response(ContactDetailOut(selectors.contact_card(user=request.user, follow=follow)).data)


class ContactBindApi(APIView):
    permission_classes = [roles(Role.RM)]

    @extend_schema_serializer(component_name="ContactBindInput")
    class Input(serializers.Serializer[dict[str, Any]]):
        customer = serializers.CharField(max_length=32, help_text="the customer's cust_no")

    @extend_schema(request=Input, responses=ContactOut)
    def post(self, request: AuthedRequest, external_userid: str) -> Response:
        data = validated(self.Input, request.data)
        follow = selectors.contact_to_bind_for(request.user, external_userid)
        customer = customer_for(request.user, data["customer"])
        contact_bind(follow=follow, customer=customer, by=request.user)
        return Response(ContactOut(selectors.contact_to_bind_for(request.user, external_userid)).data)
