"""The compliance API's answers: every response body is one of these."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.models import Alert, Conversation, DetectorSetting, Message, SearchAudit, Severity, Term
from compliance.selectors import highlight
from rm_portal.org.serializers import BranchOut, PersonOut


class TermOut(serializers.ModelSerializer[Term]):
    allow = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Term
        fields = ["id", "term", "category", "severity", "allow", "suggestion", "active", "updated_at"]


class HitOut(serializers.Serializer[Any]):
    """One match of a term, as a span of the ORIGINAL text: `text[start:end] == matched`."""

    term = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    matched = serializers.CharField()


class CheckOut(serializers.Serializer[Any]):
    allowed = serializers.BooleanField(help_text="false when a hit is of severity block")
    hits = HitOut(many=True)
    suggestions = serializers.ListField(child=serializers.CharField())
    masked = serializers.CharField(
        allow_blank=True,
        help_text="the text with every character of every hit replaced by *, one per code point "
        "(same length as the text, so the hits' spans index it too)",
    )


class DetectorOut(serializers.ModelSerializer[DetectorSetting]):
    """One built-in detector with the officer's setting (or its default, never saved yet)."""

    name = serializers.CharField(source="get_kind_display", help_text="what officers see, e.g. 手机号码")
    allow_domains = serializers.ListField(
        child=serializers.CharField(), help_text="url only: the bank's domains (and their subdomains)"
    )
    updated_by = PersonOut(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = DetectorSetting
        fields = ["kind", "name", "enabled", "severity", "allow_domains", "updated_by", "updated_at"]


class ItemErrorOut(serializers.Serializer[Any]):
    index = serializers.IntegerField(help_text="position of the refused message in the batch")
    detail = serializers.CharField()


class IngestOut(serializers.Serializer[Any]):
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    hits = serializers.IntegerField(help_text="stored messages with at least one hit (one alert each)")
    # A field named like Serializer.errors: DRF's metaclass takes declared fields off the class.
    errors = ItemErrorOut(many=True)  # type: ignore[assignment]


class SpanOut(serializers.Serializer[Any]):
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class MessageOut(serializers.ModelSerializer[Message]):
    rm = PersonOut(source="conversation.rm")
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
            "customer",
            "contact",
            "direction",
            "content_type",
            "content",
            "sent_at",
            "received_at",
            "seq",
            "hash",
            "source",
            "hits",
            "highlight",
        ]
        # source: "gateway" (the record) or "rm" (an RM's own upload, kept beside the gateway's copy)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="the customer's cust_no"))
    def get_customer(self, obj: Message) -> str | None:
        customer = obj.conversation.customer
        return customer.cust_no if customer else None

    @extend_schema_field(HitOut(many=True))
    def get_hits(self, obj: Message) -> list[dict[str, Any]]:
        alert = getattr(obj, "alert", None)
        return list(HitOut(alert.hits, many=True).data) if alert else []

    @extend_schema_field(SpanOut(many=True))
    def get_highlight(self, obj: Message) -> list[dict[str, int]]:
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


class AlertMessageOut(serializers.ModelSerializer[Message]):
    conversation = serializers.IntegerField(source="conversation_id")

    class Meta:
        model = Message
        fields = ["id", "content", "sent_at", "conversation"]


class AlertOut(serializers.ModelSerializer[Alert]):
    rm = PersonOut()
    branch = BranchOut()
    message = AlertMessageOut()
    categories = serializers.ListField(source="category_list", child=serializers.CharField())
    hits = HitOut(many=True)

    class Meta:
        model = Alert
        fields = ["id", "status", "severity", "categories", "hits", "rm", "branch", "message", "created_at"]


class LegalHoldOut(serializers.ModelSerializer[Conversation]):
    conversation = serializers.IntegerField(source="pk")

    class Meta:
        model = Conversation
        fields = ["conversation", "legal_hold"]


class AuditOut(serializers.ModelSerializer[SearchAudit]):
    user = PersonOut()
    filters = serializers.DictField(
        help_text="what was looked at: the search's or the alert list's filters as given (empty ones "
        'left out), or {"alert": id} / {"conversation": id, "focus": message id} for one read'
    )

    class Meta:
        model = SearchAudit
        fields = ["id", "user", "action", "filters", "result_count", "at"]
        extra_kwargs = {"result_count": {"help_text": "how many messages (or alerts) were found or shown"}}
