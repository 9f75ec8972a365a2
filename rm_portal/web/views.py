from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rm_portal.core.models import Heartbeat
from rm_portal.notifications.models import Notification
from rm_portal.notifications.selectors import notification_list
from rm_portal.notifications.services import notification_mark_read, notifications_mark_all_read
from rm_portal.org.access import get_scoped_or_404, staff_of
from rm_portal.web.decorators import staff_page
from rm_portal.web.today import cards_for


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@staff_page()
def today(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    context = {
        "now": timezone.localtime(),
        "cards": cards_for(request.user, staff.role),
        "recent": notification_list(user=request.user, unread=True)[:5],
    }
    return render(request, "web/today.html", context)


@staff_page()
def notifications(request: HttpRequest) -> HttpResponse:
    items = notification_list(user=request.user)[:100]
    return render(request, "web/notifications.html", {"items": items})


@staff_page()
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_scoped_or_404(request.user, Notification.objects.all(), pk=pk)
    notification_mark_read(notification=notification)
    return redirect(notification.link if notification.link.startswith("/") else "web:notifications")


@staff_page()
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    return redirect("web:notifications")


@staff_page()
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "web/me.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """For a load balancer and for a person checking the scheduler: database up, last beat."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = Heartbeat.objects.filter(name="scheduler").first()
    last_beat = timezone.localtime(beat.last_at).isoformat() if beat else None
    return JsonResponse(
        {"database": "ok", "scheduler_last_beat": last_beat},
        json_dumps_params={"ensure_ascii": False},
    )
