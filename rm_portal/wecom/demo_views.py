"""The head-office demo page (/wecom/demo/): make the WeCom simulator add a customer through an RM's
code. A 404 unless `WECOM_SIM_URL` is set (the demo run); head office only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rm_portal.core.errors import DomainError
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.access import scope
from rm_portal.org.models import Role, Staff
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom.contact_ways import contact_way_of_rm
from rm_portal.wecom.demo import demo_add_customer, demo_enabled, demo_rms_without_code, demo_ways
from rm_portal.wecom.models import ContactWay


class DemoAddForm(forms.Form):
    config_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("微信昵称"), max_length=32, initial="微信用户")
    mobile = forms.RegexField(
        label=gettext_lazy("备注手机号（可选）"),
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": gettext_lazy("请输入 11 位手机号")},
    )


def _enabled() -> None:
    if not demo_enabled():
        raise Http404


def _page(request: AuthedHttpRequest, form: DemoAddForm | None = None, status: int = 200) -> HttpResponse:
    context = {
        "ways": demo_ways(user=request.user),
        "without_code": demo_rms_without_code(user=request.user),
        "form": form,
    }
    return render(request, "wecom/demo.html", context, status=status)


@staff_page(Role.HEAD_OFFICE)
def demo(request: AuthedHttpRequest) -> HttpResponse:
    _enabled()
    return _page(request)


@staff_page(Role.HEAD_OFFICE)
@require_POST
def demo_add(request: AuthedHttpRequest) -> HttpResponse:
    _enabled()
    form = DemoAddForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    way = get_object_or_404(demo_ways(user=request.user), config_id=form.cleaned_data["config_id"])
    try:
        added = demo_add_customer(way=way, name=form.cleaned_data["name"], mobile=form.cleaned_data["mobile"])
    except DomainError as error:
        show_error(request, error, form)
        return _page(request, form, status=503)
    owner = _name(way)
    if added.delivered:
        messages.success(
            request,
            _("模拟器已让「%(name)s」扫码添加 %(rm)s，事件已推送到回调（%(answer)s）")
            % {"name": form.cleaned_data["name"], "rm": owner, "answer": added.answer},
        )
    else:
        messages.warning(
            request,
            _("模拟器已添加「%(name)s」，但回调没有收下事件（%(answer)s）")
            % {"name": form.cleaned_data["name"], "answer": added.answer},
        )
    return redirect("wecom:demo")


@staff_page(Role.HEAD_OFFICE)
@require_POST
def demo_code(request: AuthedHttpRequest) -> HttpResponse:
    """Make an RM's personal code (asks WeCom, here the simulator), so the demo has one to scan."""
    _enabled()
    pk = request.POST.get("staff", "")
    if not pk.isdigit():
        raise Http404
    staff = get_object_or_404(scope(request.user, Staff.objects.filter(role=Role.RM)), pk=int(pk))
    try:
        contact_way_of_rm(user=staff.user)
    except DomainError as error:
        show_error(request, error)
    return redirect("wecom:demo")


def _name(way: ContactWay) -> str:
    staff = getattr(way.owner, "staff", None)
    return staff.name if staff is not None else way.owner.username
