from __future__ import annotations

from rest_framework import serializers

from rm_portal.notifications.models import Notification


class NotificationOut(serializers.ModelSerializer[Notification]):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read", "read_at"]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class MarkedOut(serializers.Serializer[int]):
    """`{"marked": n}`: how many notifications this call marked read."""

    marked = serializers.IntegerField(source="*")
