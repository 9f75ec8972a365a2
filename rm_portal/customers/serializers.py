"""What the customers API answers with: every person is a PersonOut, every branch a BranchOut, and
identity is masked everywhere but in `IdentityOut` (head office's logged reveal)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rm_portal.customers import selectors
from rm_portal.customers.masking import mask_id_number, mask_phone
from rm_portal.customers.models import (
    Customer,
    CustomerTag,
    Handover,
    Holding,
    Segment,
    TagDefinition,
    TimelineEvent,
)
from rm_portal.customers.services.handover import handover_kinds
from rm_portal.org.handover import Followup, followups
from rm_portal.org.serializers import BranchOut, PersonOut


class TagOut(serializers.ModelSerializer[TagDefinition]):
    class Meta:
        model = TagDefinition
        fields = ["code", "name", "category", "rule"]


class TagBriefOut(serializers.ModelSerializer[TagDefinition]):
    class Meta:
        model = TagDefinition
        fields = ["code", "name", "category"]


class CustomerRowOut(serializers.ModelSerializer[Customer]):
    """A row of the list: masked phone, the owner, the branch and the tags. Select
    `branch`, `owner__staff` and prefetch `customer_tags__tag` (selectors.customer_list does)."""

    phone = serializers.SerializerMethodField()
    branch = BranchOut()
    owner = PersonOut(allow_null=True)
    aum = serializers.DecimalField(max_digits=16, decimal_places=2)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["cust_no", "name", "phone", "branch", "owner", "aum", "risk_rating", "tags"]

    def get_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)

    @extend_schema_field(TagBriefOut(many=True))
    def get_tags(self, customer: Customer) -> list[dict[str, object]]:
        held: list[CustomerTag] = list(customer.customer_tags.all())
        return list(TagBriefOut([ct.tag for ct in held], many=True).data)


class HoldingOut(serializers.ModelSerializer[Holding]):
    days_to_maturity = serializers.SerializerMethodField()

    class Meta:
        model = Holding
        fields = ["product", "type", "amount", "maturity_date", "days_to_maturity"]

    def get_days_to_maturity(self, holding: Holding) -> int | None:
        return selectors.days_until(holding.maturity_date)


class TimelineOut(serializers.ModelSerializer[TimelineEvent]):
    class Meta:
        model = TimelineEvent
        fields = ["kind", "title", "detail", "occurred_at"]


class PortraitOut(serializers.Serializer[selectors.Portrait]):
    """The customer card: masked identity, tags, the latest indicators, holdings and timeline."""

    cust_no = serializers.CharField(source="customer.cust_no")
    name = serializers.CharField(source="customer.name")
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    birthday = serializers.DateField(source="customer.birthday", allow_null=True)
    branch = BranchOut(source="customer.branch")
    owner = PersonOut(source="customer.owner", allow_null=True)
    aum = serializers.DecimalField(source="customer.aum", max_digits=16, decimal_places=2)
    risk_rating = serializers.CharField(source="customer.risk_rating")
    opened_on = serializers.DateField(source="customer.opened_on", allow_null=True)
    tags = TagBriefOut(many=True)
    indicators_as_of = serializers.DateField(source="as_of", allow_null=True)
    indicators = serializers.DictField(child=serializers.JSONField())
    holdings = HoldingOut(many=True)
    timeline = TimelineOut(many=True)

    def get_phone(self, portrait: selectors.Portrait) -> str:
        return mask_phone(portrait.customer.phone)

    def get_id_number(self, portrait: selectors.Portrait) -> str:
        return mask_id_number(portrait.customer.id_number)


class IdentityOut(serializers.ModelSerializer[Customer]):
    """Unmasked: only head office gets it, and each answer leaves a reveal in the access log."""

    class Meta:
        model = Customer
        fields = ["cust_no", "name", "phone", "id_number"]


class SegmentOut(serializers.ModelSerializer[Segment]):
    tags = serializers.SlugRelatedField[TagDefinition](slug_field="code", many=True, read_only=True)

    class Meta:
        model = Segment
        fields = ["code", "name", "match", "description", "tags"]


class HandoverKindOut(serializers.Serializer[object]):
    """One kind of what moves: `key` for programs, `label` in the person's words."""

    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    count = serializers.IntegerField()


class HandoverPreviewKindOut(HandoverKindOut):
    sample = serializers.ListField(child=serializers.CharField(), help_text="a few of them by name")


class HandoverPreviewOut(serializers.Serializer[object]):
    """What a handover would move; confirm it by posting `token` back."""

    leaver = PersonOut(source="leaver.user")
    successor = PersonOut(source="successor.user")
    mode = serializers.CharField()
    kinds = HandoverPreviewKindOut(many=True)
    total = serializers.IntegerField()
    token = serializers.CharField()


class FollowupCountOut(serializers.Serializer[object]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    count = serializers.IntegerField()


class FollowupOut(serializers.Serializer[object]):
    """Work that goes on after the database moved (the WeCom transfer), and how far it is."""

    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    done = serializers.BooleanField()
    counts = serializers.SerializerMethodField()
    failures = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()

    @extend_schema_field(FollowupCountOut(many=True))
    def get_counts(self, followup: Followup) -> list[dict[str, object]]:
        return [{"key": key, "label": label, "count": count} for key, label, count in followup.counts]


class HandoverRowOut(serializers.Serializer[object]):
    """A handover on the list: who, to whom, when, what moved. Select `leaver__staff`,
    `successor__staff` and `by__staff` with it (selectors.handover_list does)."""

    id = serializers.IntegerField()
    leaver = PersonOut()
    successor = PersonOut()
    by = PersonOut()
    mode = serializers.CharField()
    created_at = serializers.DateTimeField()
    moved = serializers.SerializerMethodField()
    deactivated = serializers.SerializerMethodField(help_text="whose login went (empty for an in-job move)")

    @extend_schema_field(HandoverKindOut(many=True))
    def get_moved(self, handover: Handover) -> list[dict[str, object]]:
        return [{"key": k.key, "label": k.label, "count": k.count} for k in handover_kinds(handover)]

    def get_deactivated(self, handover: Handover) -> str:
        return handover.leaver.username if handover.mode == Handover.Mode.RESIGNED else ""


class HandoverOut(HandoverRowOut):
    """A confirmed handover, and what still goes on after it (the WeCom transfer's progress)."""

    followups = serializers.SerializerMethodField()

    @extend_schema_field(FollowupOut(many=True))
    def get_followups(self, handover: Handover) -> list[dict[str, object]]:
        return list(FollowupOut(followups(handover.pk), many=True).data)
