from __future__ import annotations

from rest_framework import serializers

from rm_portal.org.models import Branch, Staff


class BranchOut(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["code", "name"]


class PersonOut(serializers.Serializer):
    """DESIGN §4's shape of a person: `{"username", "display_name"}`."""

    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="name")


class MeOut(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="name")
    branch = BranchOut()

    class Meta:
        model = Staff
        fields = ["username", "display_name", "role", "branch", "employee_no", "title", "phone"]
