"""The admin is not a second write path: tags and segments are saved through the same services as
the API (rule checked, holders recomputed), and what has a service of its own elsewhere (customers:
the import and the handover; the access log) is read-only here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rm_portal.core.errors import DomainError
from rm_portal.customers.masking import mask_phone
from rm_portal.customers.models import (
    Customer,
    Handover,
    IndicatorDefinition,
    PortraitAccess,
    Segment,
    TagDefinition,
)
from rm_portal.customers.services.tags import (
    segment_create,
    segment_update,
    tag_create,
    tag_rule_check,
    tag_update,
)


def _form_errors(form: forms.BaseForm, error: DomainError) -> None:
    for name, texts in error.fields.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)
    if error.message:
        form.add_error(None, error.message)


class TagForm(forms.ModelForm):
    class Meta:
        model = TagDefinition
        fields = ["code", "name", "category", "rule", "active"]

    def clean(self) -> dict[str, Any]:
        """Ask the service first, so a refusal shows on the form (the save then goes through it)."""
        cleaned = super().clean() or {}
        if "rule" in cleaned and not self.errors:
            try:
                tag_rule_check(rule=cleaned["rule"], code=self.instance.code or cleaned.get("code"))
            except DomainError as error:
                _form_errors(self, error)
        return cleaned


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(TagDefinition)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ["code", "name", "category", "rule", "active", "recomputed_at"]
    list_filter = ["category", "active"]
    search_fields = ["code", "name", "rule"]
    actions = None  # no bulk delete: other rules refer to tags; switch one off with `active`

    def get_readonly_fields(self, request: HttpRequest, obj: TagDefinition | None = None) -> list[str]:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: TagDefinition | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TagDefinition, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                saved = tag_update(
                    tag=obj,
                    rule=data["rule"],
                    name=data["name"],
                    category=data["category"],
                    active=data["active"],
                )
            else:
                saved = tag_create(
                    code=data["code"],
                    name=data["name"],
                    category=data["category"],
                    rule=data["rule"],
                    active=data["active"],
                )
        except DomainError as error:  # a race with another save since the form was checked
            self.message_user(request, "；".join(error.messages()), level=messages.ERROR)
            raise
        obj.pk = saved.pk


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["code", "name", "match", "description", "tags"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["code", "name", "match"]
    filter_horizontal = ["tags"]

    def get_readonly_fields(self, request: HttpRequest, obj: Segment | None = None) -> list[str]:
        return ["code"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Segment, form: Any, change: bool) -> None:
        """Through the service; the tags are set there, so `save_related` has nothing left to do."""
        data = form.cleaned_data
        codes = [tag.code for tag in data["tags"]]
        if change:
            saved = segment_update(
                segment=obj,
                name=data["name"],
                tags=codes,
                match=data["match"],
                description=data["description"],
            )
        else:
            saved = segment_create(
                code=data["code"],
                name=data["name"],
                tags=codes,
                match=data["match"],
                description=data["description"],
            )
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(IndicatorDefinition)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "type", "unit"]
    list_filter = ["group", "type"]
    search_fields = ["code", "name"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Customers change through the import (data) and the handover (owner); here they are only read.
    Identity stays masked in lists: the admin is for configuration, not for looking people up."""

    list_display = ["cust_no", "name", "masked_phone", "branch", "owner", "aum"]
    list_filter = ["branch"]
    search_fields = ["cust_no"]
    exclude = ["phone", "id_number"]
    # The only fields a changelist URL may filter on. Django lets `?<any local field>__<lookup>=`
    # through by default, so `?phone__startswith=1894` answered "1 customer" or "0", and a few
    # hundred such requests spelt out a phone or ID number nobody had revealed (and nothing was
    # logged). Masked identity (phone, id_number) and the rest of it (birthday, WeChat id, consents)
    # must never be a lookup: anything not listed here is refused with 400.
    filterable = frozenset({"cust_no", "name", "branch", "owner", "aum"})

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        field = lookup.split("__", 1)[0]
        return field in self.filterable and super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("手机号"))
    def masked_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)


@admin.register(PortraitAccess)
class PortraitAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "customer", "action"]
    list_filter = ["action"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    """Handovers happen on the handover page or API (preview, then confirmation); here they are read."""

    list_display = ["created_at", "leaver", "successor", "by", "mode", "branch"]
    list_filter = ["mode", "branch"]
    exclude = ["token"]
