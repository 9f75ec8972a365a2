"""API v1 of the compliance app (DESIGN §4). Thin: parse → access → service → answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import conf, wecom
from compliance.models import Alert, AlertStatus, Conversation, Message, SearchAudit, Severity, Term
from compliance.selectors import SearchFilters, alert_list, audit_list, highlight, message_search
from compliance.services.alerts import alert_resolve
from compliance.services.archive import MAX_BATCH, conversation_legal_hold_set, messages_ingest
from compliance.services.audit import search_audit_create
from compliance.services.lexicon import term_create, term_update, text_check
from rm_portal.api.inputs import validated
from rm_portal.api.permissions import IsCompliance, ReadAllWriteRoles
from rm_portal.core.csv_export import csv_lines
from rm_portal.org.access import get_scoped_or_404, role_of
from rm_portal.org.models import Role

MAX_TEXT = 64 * 1024


def printable(value: str) -> str:
    """Lone surrogates (JSON "\\ud800") and control characters cannot be stored or answered: 400."""
    if any(0xD800 <= ord(ch) <= 0xDFFF or (ord(ch) < 32 and ch not in "\n\r\t") for ch in value):
        raise ValidationError(_("含无效字符（孤立代理项或控制字符）"))
    return value


def text_field(**kwargs: object) -> serializers.CharField:
    return serializers.CharField(validators=[printable], **kwargs)


class TermsPermission(ReadAllWriteRoles):
    """Read: compliance and head office; write: compliance."""

    write_roles = frozenset({Role.COMPLIANCE.value})
    read_roles = frozenset({Role.COMPLIANCE.value, Role.HEAD_OFFICE.value})
    message = "您的角色无权访问词库"

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        role = role_of(request.user)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return role in self.read_roles
        return role in self.write_roles


# --- Lexicon ----------------------------------------------------------------------------------
class TermOut(serializers.ModelSerializer):
    class Meta:
        model = Term
        fields = ["id", "term", "category", "severity", "allow", "suggestion", "active", "updated_at"]


class TermIn(serializers.Serializer):
    term = text_field(max_length=64)
    category = text_field(max_length=32)
    severity = serializers.ChoiceField(choices=Severity.choices)
    allow = serializers.ListField(
        child=text_field(max_length=64), required=False, max_length=50, default=list
    )
    suggestion = text_field(max_length=200, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class TermPatch(TermIn):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class TermListApi(ListAPIView):
    permission_classes = [TermsPermission]
    serializer_class = TermOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = Term.objects.all()
        params = self.request.query_params
        if params.get("category"):
            qs = qs.filter(category=params["category"])
        if params.get("q"):
            qs = qs.filter(term__contains=params["q"][:64])
        return qs

    @extend_schema(request=TermIn, responses={201: TermOut})
    def post(self, request: Request) -> Response:
        data = validated(TermIn, request.data)
        return Response(TermOut(term_create(by=request.user, **data)).data, status=status.HTTP_201_CREATED)


class TermDetailApi(APIView):
    permission_classes = [TermsPermission]

    @extend_schema(responses=TermOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(TermOut(get_scoped_or_404(request.user, Term.objects.all(), pk=pk)).data)

    @extend_schema(request=TermPatch, responses=TermOut)
    def patch(self, request: Request, pk: int) -> Response:
        data = validated(TermPatch, request.data)
        term = get_scoped_or_404(request.user, Term.objects.all(), pk=pk)
        return Response(TermOut(term_update(target=term, by=request.user, **data)).data)


# --- Prevention -------------------------------------------------------------------------------
class CheckIn(serializers.Serializer):
    text = text_field(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False)


class CheckApi(APIView):
    @extend_schema(request=CheckIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = validated(CheckIn, request.data)
        return Response(text_check(text=data["text"]))


# --- Ingestion --------------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.OBJECT)
class AsParsed(serializers.Field):
    """Any JSON value, untouched: each message is validated item by item by the service, so a bad
    one is reported with its index instead of failing the whole batch."""

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        return data

    def to_representation(self, value):  # type: ignore[no-untyped-def]
        return value


class IngestIn(serializers.Serializer):
    messages = serializers.ListField(child=AsParsed(), allow_empty=False, max_length=MAX_BATCH)


class MessageOut(serializers.ModelSerializer):
    rm = serializers.CharField(source="conversation.rm.username")
    rm_name = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    contact = serializers.CharField(source="conversation.contact")
    conversation = serializers.IntegerField(source="conversation_id")
    hits = serializers.SerializerMethodField()
    highlight = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "channel",
            "external_id",
            "rm",
            "rm_name",
            "customer",
            "contact",
            "direction",
            "content_type",
            "content",
            "sent_at",
            "received_at",
            "seq",
            "hash",
            "hits",
            "highlight",
        ]

    def get_rm_name(self, obj: Message) -> str:
        staff = getattr(obj.conversation.rm, "staff", None)
        return staff.name if staff else ""

    def get_customer(self, obj: Message) -> str | None:
        customer = obj.conversation.customer
        return customer.cust_no if customer else None

    def get_hits(self, obj: Message) -> list:
        alert = getattr(obj, "alert", None)
        return alert.hits if alert else []

    def get_highlight(self, obj: Message) -> list[dict]:
        """[{start, end}] of the query's matches in the original content."""
        q = self.context.get("q", "")
        if not q:
            return []
        spans, cursor = [], 0
        for text, hit in highlight(obj.content, q):
            if hit:
                spans.append({"start": cursor, "end": cursor + len(text)})
            cursor += len(text)
        return spans


class IsRMOrGateway(BasePermission):
    message = "您的角色无权上传会话存档"

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        role = role_of(request.user)
        if request.method == "POST":
            return role in (Role.RM, Role.GATEWAY)
        return role in (Role.RM, Role.BRANCH_LEAD, Role.COMPLIANCE)


class SearchIn(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, trim_whitespace=False)
    rm = serializers.CharField(max_length=150, required=False, allow_blank=True)
    customer = serializers.CharField(max_length=32, required=False, allow_blank=True)
    branch = serializers.CharField(max_length=16, required=False, allow_blank=True)
    since = serializers.DateField(required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True)
    category = serializers.CharField(max_length=32, required=False, allow_blank=True)
    has_hits = serializers.BooleanField(required=False, allow_null=True, default=None)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    def validate_q(self, value: str) -> str:
        if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise ValidationError(_("检索词含无效字符"))
        return value


def search_filters(params: dict) -> SearchFilters:
    data = validated(SearchIn, {k: v for k, v in params.items()})
    data.pop("page", None)
    data.pop("page_size", None)
    return SearchFilters(**{k: v for k, v in data.items() if v is not None})


class MessageApi(ListAPIView):
    """POST: ingest a batch (RM own, gateway any). GET: the archive search, written to the audit log."""

    permission_classes = [IsRMOrGateway]
    serializer_class = MessageOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filters = search_filters(self.request.query_params)
        return message_search(user=self.request.user, filters=self.filters)

    def get_serializer_context(self):  # type: ignore[no-untyped-def]
        context = super().get_serializer_context()
        context["q"] = getattr(self, "filters", SearchFilters()).q
        return context

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        search_audit_create(
            user=request.user,
            action=SearchAudit.Action.SEARCH,
            filters=self.filters.as_dict(),
            result_count=response.data["count"],
        )
        return response

    @extend_schema(request=IngestIn, responses={200: dict, 202: dict})
    def post(self, request: Request) -> Response:
        data = validated(IngestIn, request.data)
        gateway = role_of(request.user) == Role.GATEWAY
        if len(data["messages"]) > conf.SYNC_BATCH:
            from compliance.tasks import ingest_batch_enqueue

            job = ingest_batch_enqueue(items=data["messages"], by=request.user, gateway=gateway)
            return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
        result = messages_ingest(items=data["messages"], by=request.user, gateway=gateway)
        return Response(result.as_dict())


# --- WeCom callback ---------------------------------------------------------------------------
_ENCRYPT = re.compile(r"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]{1,2000000})\]\]></Encrypt>")


class WeComCallbackApi(APIView):
    """The signed, encrypted push of a WeCom-style gateway. The signature is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def _params(self, request: Request) -> tuple[str, str, str]:
        q = request.query_params
        return q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")

    def _open(self, request: Request, encrypted: str) -> bytes:
        given, timestamp, nonce = self._params(request)
        if not conf.WECOM_TOKEN or not conf.WECOM_AES_KEY:
            raise PermissionDenied(_("回调未配置"))
        if not wecom.signature_valid(conf.WECOM_TOKEN, timestamp, nonce, encrypted, given):
            raise PermissionDenied(_("签名无效"))
        try:
            return wecom.decrypt(encrypted, aes_key=conf.WECOM_AES_KEY, corp_id=conf.WECOM_CORP_ID)
        except wecom.CallbackError as error:
            raise ValidationError({"detail": _("无法解密回调内容")}) from error

    @extend_schema(responses={200: str})
    def get(self, request: Request) -> HttpResponse:
        """URL verification: echo the decrypted echostr."""
        plain = self._open(request, request.query_params.get("echostr", ""))
        return HttpResponse(plain, content_type="text/plain; charset=utf-8")

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request) -> Response:
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
        from django.contrib.auth.models import User

        gateway = User.objects.filter(staff__role=Role.GATEWAY, staff__active=True).order_by("pk").first()
        if gateway is None:
            raise PermissionDenied(_("未配置会话网关账号"))
        result = messages_ingest(items=data["messages"], by=gateway, gateway=True)
        return Response(result.as_dict())


# --- Alerts -----------------------------------------------------------------------------------
class AlertOut(serializers.ModelSerializer):
    rm = serializers.CharField(source="rm.username")
    branch = serializers.CharField(source="branch.code")
    message = serializers.SerializerMethodField()
    categories = serializers.ListField(source="category_list")

    class Meta:
        model = Alert
        fields = ["id", "status", "severity", "categories", "hits", "rm", "branch", "message", "created_at"]

    def get_message(self, obj: Alert) -> dict:
        m = obj.message
        return {"id": m.pk, "content": m.content, "sent_at": m.sent_at, "conversation": m.conversation_id}


class AlertListIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    category = serializers.CharField(max_length=32, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    branch = serializers.CharField(max_length=16, required=False)
    rm = serializers.CharField(max_length=150, required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class AlertListApi(ListAPIView):
    permission_classes = [IsCompliance]
    serializer_class = AlertOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        data = validated(AlertListIn, {k: v for k, v in self.request.query_params.items()})
        data.pop("page", None)
        data.pop("page_size", None)
        return alert_list(user=self.request.user, **data)


class ResolveIn(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[AlertStatus.FALSE_POSITIVE, AlertStatus.CONFIRMED, AlertStatus.ESCALATED]
    )
    note = text_field(max_length=2000, required=False, allow_blank=True, default="")


class AlertResolveApi(APIView):
    permission_classes = [IsCompliance]

    @extend_schema(request=ResolveIn, responses=AlertOut)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ResolveIn, request.data)
        alert = get_scoped_or_404(request.user, alert_list(user=request.user), pk=pk)
        alert = alert_resolve(alert=alert, by=request.user, **data)
        return Response(AlertOut(alert).data)


class LegalHoldIn(serializers.Serializer):
    hold = serializers.BooleanField()


class LegalHoldApi(APIView):
    """Set or lift the legal hold of a conversation (kept past retention while held)."""

    permission_classes = [IsCompliance]

    @extend_schema(request=LegalHoldIn, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(LegalHoldIn, request.data)
        conversation = get_scoped_or_404(request.user, Conversation.objects.all(), pk=pk)
        conversation = conversation_legal_hold_set(conversation=conversation, hold=data["hold"])
        return Response({"conversation": conversation.pk, "legal_hold": conversation.legal_hold})


# --- Audit and export -------------------------------------------------------------------------
class AuditOut(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")

    class Meta:
        model = SearchAudit
        fields = ["id", "user", "action", "filters", "result_count", "at"]


class AuditListApi(ListAPIView):
    permission_classes = [IsCompliance]
    serializer_class = AuditOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return audit_list(user=self.request.user)


EXPORT_HEADER = [
    "id",
    "sent_at",
    "channel",
    "rm",
    "customer",
    "contact",
    "direction",
    "content",
    "hits",
    "hash",
]


def _csv_rows(messages: Iterator[Message]) -> Iterator[str]:
    def rows() -> Iterator[list[object]]:
        for m in messages:
            alert = getattr(m, "alert", None)
            customer = m.conversation.customer
            yield [
                m.pk,
                m.sent_at.isoformat(),
                m.channel,
                m.conversation.rm.username,
                customer.cust_no if customer else "",
                m.conversation.contact,
                m.direction,
                m.content,
                ";".join(h["term"] for h in alert.hits) if alert else "",
                m.hash,
            ]

    return csv_lines(EXPORT_HEADER, rows())


class ExportApi(APIView):
    permission_classes = [IsCompliance]

    @extend_schema(responses={200: str})
    def get(self, request: Request) -> StreamingHttpResponse:
        filters = search_filters(
            {k: v for k, v in request.query_params.items() if k not in ("page", "page_size")}
        )
        qs = message_search(user=request.user, filters=filters)
        with transaction.atomic():
            count = qs.count()
            search_audit_create(
                user=request.user,
                action=SearchAudit.Action.EXPORT,
                filters=filters.as_dict(),
                result_count=count,
            )
        response = StreamingHttpResponse(
            _csv_rows(qs.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="compliance-export.csv"'
        response["X-Retention-Years"] = str(conf.RETENTION_YEARS)
        return response
