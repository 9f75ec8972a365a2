"""What the matching API answers with."""

from __future__ import annotations

from rest_framework import serializers

from rm_portal.customers.models import TagDefinition
from rm_portal.matching.models import RecommendationKind, Signal
from rm_portal.matching.selectors import Figures, Recommendation


class RecommendationOut(serializers.Serializer[Recommendation]):
    kind = serializers.ChoiceField(choices=RecommendationKind.choices)
    id = serializers.IntegerField()
    name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    score = serializers.IntegerField()


class SignalOut(serializers.ModelSerializer[Signal]):
    tag = serializers.SlugRelatedField[TagDefinition](slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Signal
        fields = [
            "code",
            "name",
            "kind",
            "tag",
            "holding_type",
            "days",
            "amount",
            "match_category",
            "match_word",
            "weight",
            "active",
        ]


class RecommendationFiguresOut(serializers.Serializer[Figures]):
    material = serializers.IntegerField(source="material_id")
    name = serializers.CharField(source="material__title")
    kind = serializers.CharField(source="material__kind")
    shown = serializers.IntegerField()
    shared = serializers.IntegerField()
    converted = serializers.IntegerField()
