from __future__ import annotations

from rest_framework import serializers

from rm_portal.customers.models import Segment
from rm_portal.org.serializers import PersonOut
from rm_portal.outreach.models import OutreachTask


class ExcludedOut(serializers.Serializer[dict[str, int]]):
    no_consent = serializers.IntegerField(help_text="no marketing consent for the category")
    frequency_cap = serializers.IntegerField(
        help_text="already OUTREACH_WEEKLY_CAP marketing messages in 7 days"
    )
    unsuitable = serializers.IntegerField(help_text="the product's risk level is above the customer's rating")
    not_contact = serializers.IntegerField(help_text="no WeCom contact of a sending RM")


class PreviewOut(serializers.Serializer[dict[str, object]]):
    recipients = serializers.IntegerField()
    excluded = ExcludedOut()
    senders = serializers.IntegerField(help_text="RMs the message would go out from")
    needs_approval = serializers.BooleanField()
    hits = serializers.ListField(child=serializers.DictField(), help_text="warn-level hits of the text")


class ResultsOut(serializers.Serializer[dict[str, int]]):
    sent = serializers.IntegerField()
    not_friend = serializers.IntegerField()
    already_received = serializers.IntegerField()
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()


class SenderResultOut(serializers.Serializer[object]):
    username = serializers.CharField()
    name = serializers.CharField()
    counts = ResultsOut()


class OutreachOut(serializers.ModelSerializer[OutreachTask]):
    created_by = PersonOut()
    approved_by = PersonOut(allow_null=True)
    excluded = ExcludedOut()
    segment: serializers.SlugRelatedField[Segment] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    hits = serializers.ListField(child=serializers.DictField())

    class Meta:
        model = OutreachTask
        fields = [
            "id",
            "name",
            "text",
            "material",
            "category",
            "selection",
            "segment",
            "tags",
            "status",
            "recipients",
            "excluded",
            "hits",
            "cross_branch",
            "created_by",
            "approved_by",
            "approved_at",
            "sent_at",
            "created_at",
        ]


class OutreachDetailOut(OutreachOut):
    results = ResultsOut()
    senders = SenderResultOut(many=True)

    class Meta(OutreachOut.Meta):
        fields = [*OutreachOut.Meta.fields, "results", "senders"]
