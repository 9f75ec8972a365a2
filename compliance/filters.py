"""List filters shared by the API and the pages."""

from __future__ import annotations

import django_filters

from compliance.models import Term


class TermFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(max_length=32, help_text="exact category")
    q = django_filters.CharFilter(
        field_name="term", lookup_expr="contains", max_length=64, help_text="a substring of the term"
    )

    class Meta:
        model = Term
        fields = ["category", "q"]
