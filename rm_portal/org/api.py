from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.inputs import validated
from rm_portal.org.access import staff_of
from rm_portal.org.serializers import MeOut
from rm_portal.org.services import token_issue, token_revoke


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
