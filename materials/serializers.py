"""What the materials API answers: every response body is one of these."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from materials.models import Attachment, Material, OverrideLog, PosterLayout, PublishState, ShareToken
from materials.services.shares import share_text
from rm_portal.org.serializers import BranchOut, PersonOut


def landing_url(request: HttpRequest | Request, token: str) -> str:
    """The absolute `/s/{token}` URL of a share, built from the request (host and scheme)."""
    return str(request.build_absolute_uri(reverse("materials:landing", args=[token])))


class AttachmentOut(serializers.ModelSerializer[Attachment]):
    url = serializers.SerializerMethodField(help_text="served to staff who may see the material")

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]

    def get_url(self, attachment: Attachment) -> str:
        path = reverse("materials:file", args=[attachment.material_id, attachment.pk])
        return str(self.context["request"].build_absolute_uri(path))


class SlotOut(serializers.Serializer[dict[str, object]]):
    """Where one text of the RM's card is drawn on the poster."""

    x = serializers.IntegerField()
    y = serializers.IntegerField()
    size = serializers.IntegerField()
    color = serializers.CharField(help_text="#RRGGBB")


class LayoutOut(serializers.ModelSerializer[PosterLayout]):
    slots = serializers.DictField(child=SlotOut(), help_text="by slot: name, title, branch, phone")
    background = serializers.SerializerMethodField()

    class Meta:
        model = PosterLayout
        fields = ["width", "height", "qr_x", "qr_y", "qr_size", "slots", "background"]

    def get_background(self, layout: PosterLayout) -> str:
        path = reverse("materials:background", args=[layout.material_id])
        return str(self.context["request"].build_absolute_uri(path))


class MaterialOut(serializers.ModelSerializer[Material]):
    tags = serializers.ListField(child=serializers.CharField())
    branches = BranchOut(many=True, help_text="empty: every branch")
    attachments = AttachmentOut(many=True)
    layout = LayoutOut(allow_null=True, help_text="poster templates only")
    poster_url = serializers.SerializerMethodField(help_text="the calling RM's poster; poster templates only")
    state = serializers.SerializerMethodField(
        help_text="draft (no publish_from), scheduled, published or withdrawn: what the RMs see now"
    )

    class Meta:
        model = Material
        fields = [
            "id",
            "kind",
            "state",
            "title",
            "body",
            "category",
            "tags",
            "product_url",
            "risk_level",
            "marketing_category",
            "publish_from",
            "publish_until",
            "branches",
            "version",
            "allow_override",
            "attachments",
            "layout",
            "poster_url",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=PublishState.choices))
    def get_state(self, material: Material) -> str:
        return str(material.state_at(timezone.now()).value)

    def get_poster_url(self, material: Material) -> str | None:
        if getattr(material, "layout", None) is None:
            return None
        path = reverse("material-poster", args=[material.pk])
        return str(self.context["request"].build_absolute_uri(path))


class ShareOut(serializers.ModelSerializer[ShareToken]):
    """A new forward link and the text to paste (context: `request`)."""

    url = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(help_text="the filled text, ending with `url`")

    class Meta:
        model = ShareToken
        fields = ["token", "url", "text", "rule", "expires_at"]

    def get_url(self, share: ShareToken) -> str:
        return landing_url(self.context["request"], share.token)

    def get_text(self, share: ShareToken) -> str:
        return share_text(
            material=share.material, staff=share.rm.staff, customer=share.customer, url=self.get_url(share)
        )


class ShareRefusedOut(serializers.Serializer[dict[str, object]]):
    """409 from the suitability/consent gate; nothing was stored."""

    detail = serializers.CharField()
    rule = serializers.ChoiceField(choices=["suitability", "consent"], help_text="the first rule refused")
    rules = serializers.ListField(child=serializers.CharField(), help_text="every rule refused")


class MaterialRefOut(serializers.Serializer[object]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()


class ShareStatOut(serializers.Serializer[object]):
    material = MaterialRefOut()
    shares = serializers.IntegerField(help_text="links made")
    views = serializers.IntegerField()
    unique_visitors = serializers.IntegerField()
    customers_reached = serializers.IntegerField(help_text="distinct named customers shared with")
    adds = serializers.IntegerField(
        help_text="WeChat users who added the RM through this poster's 联系我 code"
    )
    verified_adds = serializers.IntegerField(help_text="of those adds, how many are bound to a bank customer")


class OverrideOut(serializers.ModelSerializer[OverrideLog]):
    rm = PersonOut()
    material = serializers.IntegerField(source="material_id")
    material_title = serializers.CharField(source="material.title")
    customer = serializers.CharField(source="customer.cust_no")
    rules = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = OverrideLog
        fields = [
            "id",
            "rm",
            "material",
            "material_title",
            "customer",
            "rules",
            "reasons",
            "reason",
            "created_at",
        ]
