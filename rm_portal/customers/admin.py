from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from rm_portal.customers.models import (
    Customer,
    IndicatorDefinition,
    PortraitAccess,
    Segment,
    TagDefinition,
)
from rm_portal.customers.services.tags import tag_rule_check


class TagForm(forms.ModelForm):
    class Meta:
        model = TagDefinition
        fields = ["code", "name", "category", "rule", "active"]

    def clean_rule(self) -> str:
        rule = self.cleaned_data["rule"]
        try:
            tag_rule_check(rule=rule, code=self.instance.code or None)
        except ValidationError as error:
            raise ValidationError(error.message_dict["rule"]) from error
        return rule


@admin.register(TagDefinition)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ["code", "name", "category", "rule", "active", "recomputed_at"]
    list_filter = ["category", "active"]
    search_fields = ["code", "name", "rule"]


@admin.register(IndicatorDefinition)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "type", "unit"]
    list_filter = ["group", "type"]
    search_fields = ["code", "name"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "match"]
    filter_horizontal = ["tags"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    # Identity stays masked in lists: the admin is for configuration, not for looking people up.
    list_display = ["cust_no", "name", "branch", "owner", "aum"]
    list_filter = ["branch"]
    search_fields = ["cust_no"]
    raw_id_fields = ["owner"]
    exclude = ["phone", "id_number"]


@admin.register(PortraitAccess)
class PortraitAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "customer", "action"]
    list_filter = ["action"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
