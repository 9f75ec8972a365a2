"""The signed, encrypted push of a WeCom-style gateway (企业微信回调). The signature is the
credential: no login, no token."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.archive import IngestIn
from compliance.serializers import IngestOut
from compliance.services.ingestion import messages_push
from rm_portal.api.inputs import validated
from rm_portal.wecom import crypto

_ENCRYPT = re.compile(r"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]{1,2000000})\]\]></Encrypt>")

SIGNED = [
    OpenApiParameter(
        "msg_signature", str, description="SHA1 of the sorted token, timestamp, nonce, ciphertext"
    ),
    OpenApiParameter("timestamp", str),
    OpenApiParameter("nonce", str),
]


class WeComCallbackApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def _open(self, request: Request, encrypted: str) -> bytes:
        """The decrypted payload, once the signature over it is checked."""
        query = request.query_params
        token, aes_key = settings.COMPLIANCE_WECOM_TOKEN, settings.COMPLIANCE_WECOM_AES_KEY
        if not token or not aes_key:
            raise PermissionDenied(_("回调未配置"))
        given = query.get("msg_signature", "")
        if not crypto.signature_valid(
            token, query.get("timestamp", ""), query.get("nonce", ""), encrypted, given
        ):
            raise PermissionDenied(_("签名无效"))
        try:
            return crypto.decrypt(encrypted, aes_key=aes_key, corp_id=settings.COMPLIANCE_WECOM_CORP_ID)
        except crypto.CallbackError as error:
            raise ValidationError({"detail": _("无法解密回调内容")}) from error

    @extend_schema(
        parameters=[*SIGNED, OpenApiParameter("echostr", str, description="the encrypted echo")],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="the decrypted echostr")
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """URL verification: echo the decrypted echostr, as plain text."""
        plain = self._open(request, request.query_params.get("echostr", ""))
        return HttpResponse(plain, content_type="text/plain; charset=utf-8")

    @extend_schema(
        parameters=SIGNED,
        request={
            "text/xml": OpenApiTypes.STR,
            "application/json": {"type": "object", "properties": {"encrypt": {"type": "string"}}},
        },
        responses={200: IngestOut},
    )
    def post(self, request: Request) -> Response:
        """A batch, encrypted: `<Encrypt><![CDATA[…]]></Encrypt>` (XML) or `{"encrypt": "…"}`; the
        plaintext is the JSON of a messages upload."""
        body = request.body.decode("utf-8", errors="replace")
        match = _ENCRYPT.search(body)
        encrypted = match.group(1) if match else ""
        if not encrypted:
            try:
                encrypted = str(json.loads(body).get("encrypt", ""))
            except (ValueError, AttributeError):
                encrypted = ""
        if not encrypted:
            raise ValidationError({"detail": _("缺少加密内容")})
        plain = self._open(request, encrypted)
        try:
            payload = json.loads(plain)
        except ValueError as error:
            raise ValidationError({"detail": _("回调内容不是 JSON")}) from error
        data = validated(IngestIn, payload)
        return Response(IngestOut(messages_push(items=data["messages"])).data)
