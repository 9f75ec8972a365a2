from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.notifications.models import Notification
from rm_portal.notifications.selectors import notification_list
from rm_portal.notifications.services import notification_mark_read, notifications_mark_all_read
from rm_portal.org.access import get_scoped_or_404


class NotificationOut(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read", "read_at"]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationListApi(ListAPIView):
    serializer_class = NotificationOut

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread")])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true")
        return notification_list(user=self.request.user, unread=unread)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOut)
    def post(self, request: Request, pk: int) -> Response:
        notification = get_scoped_or_404(request.user, Notification.objects.all(), pk=pk)
        return Response(NotificationOut(notification_mark_read(notification=notification)).data)


class NotificationReadAllApi(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user=request.user)})
