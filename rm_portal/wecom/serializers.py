"""What the contacts API answers with. People are PersonOut; a bound customer's identity is masked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rm_portal.customers.masking import mask_phone
from rm_portal.customers.models import Customer
from rm_portal.opportunities.serializers import OpportunityOut
from rm_portal.org.serializers import PersonOut
from rm_portal.wecom.models import ContactFollow
from rm_portal.wecom.selectors import ContactCard


class ContactMaterialOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ContactSourceOut(serializers.Serializer[ContactFollow]):
    """How the customer added the RM: the RM's own code, a poster (with its material), …"""

    kind = serializers.ChoiceField(source="source", choices=ContactFollow.Source.choices)
    material = serializers.SerializerMethodField()

    @extend_schema_field(ContactMaterialOut(allow_null=True))
    def get_material(self, follow: ContactFollow) -> dict[str, Any] | None:
        material = follow.material
        return None if material is None else {"id": material.pk, "title": material.title}


class ContactOut(serializers.ModelSerializer[ContactFollow]):
    """One RM's relation with a WeChat user. Select `contact`, `rm__staff`, `customer`, `material`
    and `bound_by__staff` with the row (selectors do)."""

    external_userid = serializers.CharField(source="contact.external_userid")
    name = serializers.CharField(source="contact.name", help_text="the WeChat nickname")
    avatar = serializers.CharField(source="contact.avatar")
    rm = PersonOut()
    source = ContactSourceOut(source="*")  # type: ignore[assignment]  # the output key is "source"
    customer = serializers.SlugRelatedField[Customer](
        slug_field="cust_no", read_only=True, allow_null=True, help_text="the bound customer's number"
    )
    bind_method = serializers.ChoiceField(
        choices=ContactFollow.BindMethod.choices, allow_null=True, help_text="null while unbound"
    )
    bound_by = PersonOut(allow_null=True, help_text="null for an automatic binding or none")

    class Meta:
        model = ContactFollow
        fields = [
            "external_userid",
            "name",
            "avatar",
            "rm",
            "added_at",
            "source",
            "customer",
            "status",
            "remark",
            "bind_method",
            "bound_by",
            "bound_at",
            "welcome_sent_at",
            "welcome_error",
            "transfer_error",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ContactFollow) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["bind_method"] = data["bind_method"] or None
        return data


class ContactCustomerOut(serializers.ModelSerializer[Customer]):
    """The bound customer's brief, masked as everywhere but head office's logged reveal."""

    phone = serializers.SerializerMethodField()
    aum = serializers.DecimalField(max_digits=16, decimal_places=2)
    risk_rating = serializers.CharField(help_text="C1–C5, empty when not assessed")

    class Meta:
        model = Customer
        fields = ["cust_no", "name", "phone", "risk_rating", "aum"]
        read_only_fields = fields

    def get_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)


class ContactDetailOut(serializers.Serializer[ContactCard]):
    contact = ContactOut(source="follow")
    customer = ContactCustomerOut(source="follow.customer", allow_null=True)
    remark_mobiles = serializers.SerializerMethodField(help_text="the RM's remark mobiles, masked")
    opportunities = OpportunityOut(many=True, help_text="the bound customer's open opportunities")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_remark_mobiles(self, card: ContactCard) -> list[str]:
        return [mask_phone(str(m)) for m in card.follow.remark_mobiles]
