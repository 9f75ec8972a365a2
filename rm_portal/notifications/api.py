from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.core.requests import AuthedRequest
from rm_portal.notifications.models import Notification
from rm_portal.notifications.selectors import notification_for, notification_list
from rm_portal.notifications.serializers import MarkedOut, NotificationOut
from rm_portal.notifications.services import notification_mark_read, notifications_mark_all_read
from rm_portal.org.access import staff_required


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(method="only_unread", label="only unread (true/false)")

    class Meta:
        model = Notification
        fields = ["unread"]

    def only_unread(
        self, queryset: QuerySet[Notification], name: str, value: bool | None
    ) -> QuerySet[Notification]:
        return queryset.filter(read_at=None) if value else queryset


class NotificationListApi(ListAPIView):
    serializer_class = NotificationOut
    filterset_class = NotificationFilter

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return Notification.objects.none()
        return notification_list(user=staff_required(self.request.user).user)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOut)
    def post(self, request: AuthedRequest, pk: int) -> Response:
        notification = notification_for(request.user, pk)
        return Response(NotificationOut(notification_mark_read(notification=notification)).data)


class NotificationReadAllApi(APIView):
    @extend_schema(request=None, responses=MarkedOut)
    def post(self, request: AuthedRequest) -> Response:
        return Response(MarkedOut(notifications_mark_all_read(user=request.user)).data)
