from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import validated
from rm_portal.core.errors import Invalid, NotAllowed
from rm_portal.core.requests import AuthedRequest
from rm_portal.org.access import staff_of, staff_required
from rm_portal.org.models import Role, Staff
from rm_portal.org.serializers import MeOut, TokenOut, WechatQrOut
from rm_portal.org.services import staff_wechat_qr_clear, staff_wechat_qr_set
from rm_portal.org.tokens import token_issue, token_revoke


class TokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=Input, responses=TokenOut)
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        if Staff.objects.filter(user__username=data["username"], role=Role.GATEWAY).exists():
            # Refused before any password is checked: failures here count against nothing, so no
            # stranger can lock the gateway out. It authenticates with its key instead.
            raise NotAllowed(_("网关账号使用密钥认证（manage.py gateway_key），不能用密码登录"))
        # Axes needs the Django request: it flags a lockout on it, and its middleware answers 429.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise Invalid(_("用户名或密码错误"))
        if staff_of(user) is None:
            raise NotAllowed(_("您的账号未开通客户经理工作台"))
        return Response(TokenOut(token_issue(user=user)).data)


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: AuthedRequest) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request: AuthedRequest) -> Response:
        return Response(MeOut(staff_required(request.user)).data)


def wechat_qr_response(staff: Staff | None) -> FileResponse:
    """The stored PNG of one person's WeChat QR (already checked and re-encoded on upload)."""
    if staff is None or not staff.wechat_qr:
        raise Http404
    try:
        handle = staff.wechat_qr.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="wechat-qr.png"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class WechatQrIn(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True)  # an empty file gets the service's own reason


class MeWechatQrApi(APIView):
    """The caller's own WeChat QR for the business card: GET the PNG, POST a new one, DELETE it."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request: AuthedRequest) -> FileResponse:
        response = wechat_qr_response(staff_required(request.user))
        response["Cache-Control"] = "private, no-cache"
        return response

    @extend_schema(request={"multipart/form-data": WechatQrIn}, responses=WechatQrOut)
    def post(self, request: AuthedRequest) -> Response:
        data = validated(WechatQrIn, request.data)
        staff = staff_wechat_qr_set(staff=staff_required(request.user), upload=data["image"])
        return Response(WechatQrOut(staff).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: AuthedRequest) -> Response:
        staff_wechat_qr_clear(staff=staff_required(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
