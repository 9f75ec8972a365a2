from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rm_portal.core.errors import DomainError
from rm_portal.core.models import Heartbeat
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.notifications.selectors import notification_for, notification_list
from rm_portal.notifications.services import notification_mark_read, notifications_mark_all_read
from rm_portal.org.access import staff_required
from rm_portal.org.api import wechat_qr_response
from rm_portal.org.models import Role
from rm_portal.org.services import staff_wechat_qr_clear, staff_wechat_qr_set
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.web.nav import shell_tabs
from rm_portal.web.today import cards_for
from rm_portal.wecom.contact_ways import existing_contact_way, wecom_contact_configured


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@staff_page()
def today(request: AuthedHttpRequest) -> HttpResponse:
    staff = staff_required(request.user)
    context = {
        "now": timezone.localtime(),
        "cards": cards_for(request.user, staff.role),
        "recent": notification_list(user=request.user, unread=True)[:5],
    }
    return render(request, "web/today.html", context)


@staff_page()
def notifications(request: AuthedHttpRequest) -> HttpResponse:
    items = notification_list(user=request.user)[:100]
    return render(request, "web/notifications.html", {"items": items})


@staff_page()
@require_POST
def notification_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notification = notification_for(request.user, pk)
    notification_mark_read(notification=notification)
    return redirect(notification.link if notification.link.startswith("/") else "web:notifications")


@staff_page()
@require_POST
def notifications_read_all(request: AuthedHttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    return redirect("web:notifications")


@staff_page()
def me(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "web/me.html", {"qr_form": WechatQrForm(), **_contact_way(request)})


def _contact_way(request: AuthedHttpRequest) -> dict[str, object]:
    """The RM's own 联系我 code for 我的 (only if made already: the page never waits on WeCom)."""
    if staff_required(request.user).role != Role.RM:
        return {}
    return {
        "show_contact_way": True,
        "contact_way": existing_contact_way(user=request.user),
        "wecom_configured": wecom_contact_configured(),
    }


class WechatQrForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("微信二维码图片"),
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        error_messages={"required": gettext_lazy("请选择一张图片")},
    )


@staff_page()
@require_POST
def me_wechat_qr(request: AuthedHttpRequest) -> HttpResponse:
    """Upload (or replace) the caller's own WeChat QR; a plain multipart form, no JS needed."""
    form = WechatQrForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            staff_wechat_qr_set(staff=staff_required(request.user), upload=form.cleaned_data["image"])
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("微信二维码已更新，客户打开您分享的链接即可看到"))
            return redirect("web:me")
    return render(request, "web/me.html", {"qr_form": form, **_contact_way(request)}, status=400)


@staff_page()
@require_POST
def me_wechat_qr_remove(request: AuthedHttpRequest) -> HttpResponse:
    staff_wechat_qr_clear(staff=staff_required(request.user))
    messages.success(request, _("微信二维码已删除"))
    return redirect("web:me")


@staff_page()
@require_GET
def me_wechat_qr_image(request: AuthedHttpRequest) -> FileResponse:
    """One's own QR for the preview on 我的; there is no id in the URL, so nobody else's can be asked for."""
    response = wechat_qr_response(staff_required(request.user))
    response["Cache-Control"] = "private, no-cache"
    return response


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


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: the shell with the tab bar, rendered without the context processors (they
    read the session, the person and the unread count from the database, which may be down)."""
    html = loader.get_template("500.html").render({"tabs": shell_tabs()})
    return HttpResponse(html, status=500)
