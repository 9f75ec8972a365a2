from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import validated
from rm_portal.org.access import staff_of
from rm_portal.org.models import Staff
from rm_portal.org.serializers import MeOut
from rm_portal.org.services import staff_wechat_qr_clear, staff_wechat_qr_set, token_issue, token_revoke


class TokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=Input, responses=inline_serializer("TokenOut", {"token": serializers.CharField()}))
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        # Axes needs the Django request: it flags a lockout on it, and its middleware answers 429.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            return Response({"detail": _("用户名或密码错误")}, status=status.HTTP_400_BAD_REQUEST)
        if staff_of(user) is None:
            return Response({"detail": _("您的账号未开通客户经理工作台")}, status=status.HTTP_403_FORBIDDEN)
        return Response({"token": token_issue(user=user).key})


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request: Request) -> Response:
        return Response(MeOut(staff_of(request.user)).data)


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

    @extend_schema(responses={(200, "image/png"): bytes, 404: None})
    def get(self, request: Request) -> FileResponse:
        response = wechat_qr_response(staff_of(request.user))
        response["Cache-Control"] = "private, no-cache"
        return response

    @extend_schema(
        request={"multipart/form-data": WechatQrIn},
        responses=inline_serializer("WechatQrOut", {"wechat_qr": serializers.BooleanField()}),
    )
    def post(self, request: Request) -> Response:
        data = validated(WechatQrIn, request.data)
        staff_wechat_qr_set(staff=staff_of(request.user), upload=data["image"])
        return Response({"wechat_qr": True})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        staff_wechat_qr_clear(staff=staff_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
