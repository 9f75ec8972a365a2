"""Phone pages of the marketing kit, and the public landing page of a shared link."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict
from typing import Any

from cachetools import TTLCache
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from materials.layout_form import PosterLayoutForm, layout_initial
from materials.models import (
    Attachment,
    Kind,
    MarketingCategory,
    Material,
    PosterLayout,
    PublishState,
    RiskLevel,
    ShareToken,
)
from materials.placeholders import PLACEHOLDERS, fill, values_for
from materials.selectors import (
    live_share,
    material_for,
    material_list,
    poster_template_for,
    share_customer_for,
    share_stats,
)
from materials.serializers import landing_url
from materials.services.landing import view_record
from materials.services.materials import (
    material_create,
    material_publish,
    material_update,
    material_withdraw,
    publish_gaps,
)
from materials.services.shares import ShareRefused, share_create, share_text
from materials.uploads import IMAGE_TYPES, stored_image_type
from rm_portal.core.errors import DomainError
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.api import wechat_qr_response
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom.contact_ways import existing_contact_way, wecom_contact_configured

# --- public landing page ----------------------------------------------------------------------


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "materials/landing_404.html", status=404)


# The rendered landing page per (link, language, material version), kept in this process for a
# minute: the page is the same for every visitor of a link, and a campaign sends thousands of
# visitors to a few links. The view is still counted on every request; an edit of the material
# shows at once (its version is in the key), an edit of the RM's card within the minute.
_LANDING_PAGES: TTLCache[tuple[object, ...], bytes] = TTLCache(maxsize=2000, ttl=60)
_landing_lock = threading.Lock()


def _landing_page(request: HttpRequest, share: ShareToken) -> bytes:
    material = share.material
    # The RM's own 联系我 code on the card, if made already (a public page never waits on WeCom);
    # in the key, so a code made a moment ago shows on the next view.
    contact_way = existing_contact_way(user=share.rm) if wecom_contact_configured() else None
    key = (
        share.pk,
        translation.get_language(),
        material.pk,
        material.version,
        material.updated_at,
        contact_way.pk if contact_way else None,
    )
    with _landing_lock:
        page = _LANDING_PAGES.get(key)
    if page is None:
        staff = share.rm.staff
        values = values_for(staff=staff, customer=share.customer)
        context = {
            "share": share,
            "material": material,
            "title": fill(material.title, values),
            "body": fill(material.body, values),
            "card": staff,
            "attachments": list(material.attachments.all()),
            "contact_way": contact_way,
        }
        page = render_to_string("materials/landing.html", context, request=request).encode()
        with _landing_lock:
            _LANDING_PAGES[key] = page
    return page


def landing(request: HttpRequest, token: str) -> HttpResponse:
    share = live_share(token)
    if share is None:
        return _not_found(request)
    view_record(share=share, ip=request.META.get("REMOTE_ADDR", ""))
    response = HttpResponse(_landing_page(request, share))
    response["Cache-Control"] = "private, no-store"  # every view must reach us to be counted
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of third-party logs
    return response


def landing_file(request: HttpRequest, token: str, pk: int) -> HttpResponseBase:
    share = live_share(token)
    attachment = share.material.attachments.filter(pk=pk).first() if share else None
    if attachment is None:
        return _not_found(request)
    return _attachment_response(attachment)


def landing_wechat_qr(request: HttpRequest, token: str) -> HttpResponseBase:
    """The RM's WeChat QR on their card: public, but only behind a live share token."""
    share = live_share(token)
    staff = share.rm.staff if share else None
    if staff is None or not staff.wechat_qr:
        return _not_found(request)
    try:
        response = wechat_qr_response(staff)
    except Http404:  # the row names a file the storage no longer has
        return _not_found(request)
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@staff_page(Role.RM, Role.HEAD_OFFICE, Role.BRANCH_LEAD)
def material_file(request: AuthedHttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    """An attachment, to whoever may see its material now (never a bare media URL)."""
    attachment = material_for(request.user, pk).attachments.filter(pk=file_pk).first()
    if attachment is None:
        raise Http404
    response = _attachment_response(attachment)
    response["Cache-Control"] = "private, max-age=300"
    return response


@staff_page(Role.HEAD_OFFICE)
def poster_background(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    layout = poster_template_for(request.user, pk).layout
    if not layout.background:
        raise Http404
    stored = layout.background.open("rb")
    head = stored.read(16)
    stored.seek(0)
    # The type comes from the bytes we wrote (a re-encoded PNG or JPEG), never from a name: a
    # background stored before the re-encoding is downloaded, not rendered, unless it is one.
    content_type = stored_image_type(head)
    response = FileResponse(stored, content_type=content_type or "application/octet-stream")
    disposition = "inline" if content_type else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="background-{pk}{_suffix(content_type or "")}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


def _attachment_response(attachment: Attachment) -> FileResponse:
    """An attachment with the type its check found (never the uploader's claim): images inline, so a
    phone shows them; anything else (a PDF) as a download, so no browser renders it in our origin."""
    content_type = attachment.content_type
    inline = content_type in IMAGE_TYPES.values()
    response = FileResponse(attachment.file.open("rb"), content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{attachment.pk}{_suffix(content_type)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _suffix(content_type: str) -> str:
    return {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/webp": ".webp",
        "image/gif": ".gif",
    }.get(content_type, "")


# --- staff pages ----------------------------------------------------------------------------


@staff_page(Role.RM, Role.HEAD_OFFICE, Role.BRANCH_LEAD)
def material_list_page(request: AuthedHttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    q = request.GET.get("q", "").strip()[:100]
    items = list(material_list(user=request.user, kind=kind, q=q)[:100])
    now = timezone.now()
    rows = [(m, m.state_at(now)) for m in items]
    return render(
        request,
        "materials/list.html",
        {
            "items": items,
            "rows": rows,
            "kind": kind,
            "q": q,
            "kinds": Kind.choices,
            "now": timezone.now(),
            # Chosen on a portrait ("send to this customer"): carried to the share form, pre-filled.
            "for_customer": request.GET.get("customer", "").strip()[:32],
        },
    )


@staff_page(Role.RM, Role.HEAD_OFFICE, Role.BRANCH_LEAD)
def material_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    material = material_for(request.user, pk)
    staff = request.user.staff
    context: dict[str, Any] = {
        "material": material,
        "preview": fill(material.body, values_for(staff=staff, customer=None)),
        "can_share": staff.role == Role.RM,
        "shared": None,
        # Pre-filled from a portrait or the picker (?customer=); the share still checks the scope.
        "customer": request.GET.get("customer", "").strip()[:32],
    }
    if request.method == "POST" and staff.role == Role.RM:
        cust_no = request.POST.get("customer", "").strip()[:32]
        context["customer"] = cust_no
        try:
            customer = share_customer_for(request.user, cust_no) if cust_no else None
        except Http404:
            messages.error(request, _("客户不存在，或不是您管户的客户"))
            return render(request, "materials/detail.html", context)
        try:
            share = share_create(
                rm=request.user,
                material=material,
                customer=customer,
                override_reason=request.POST.get("override_reason", "")[:500],
            )
        except DomainError as error:
            show_error(request, error)
            context["refused"] = isinstance(error, ShareRefused)
        else:
            url = landing_url(request, share.token)
            context["shared"] = {
                "url": url,
                "text": share_text(material=material, staff=staff, customer=customer, url=url),
                "rule": share.rule,
            }
    elif request.method == "POST":
        return redirect("materials:detail", pk=pk)
    return render(request, "materials/detail.html", context)


@staff_page(Role.RM)
def poster_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    material = poster_template_for(request.user, pk)
    return render(request, "materials/poster.html", {"material": material})


@staff_page(Role.RM, Role.BRANCH_LEAD, Role.HEAD_OFFICE)
def stats(request: AuthedHttpRequest) -> HttpResponse:
    rows = share_stats(user=request.user)
    counts = [asdict(r) for r in rows]
    totals = {
        k: sum(c[k] for c in counts)
        for k in ("shares", "views", "unique_visitors", "customers_reached", "adds", "verified_adds")
    }
    return render(request, "materials/stats.html", {"rows": rows, "totals": totals})


# --- head office: upload and edit -----------------------------------------------------------

DEFAULT_LAYOUT = {
    "qr_x": 720,
    "qr_y": 1500,
    "qr_size": 300,
    "slots": {
        "name": {"x": 80, "y": 1500, "size": 72, "color": "#b4232a"},
        "title": {"x": 80, "y": 1600, "size": 40, "color": "#333333"},
        "branch": {"x": 80, "y": 1660, "size": 40, "color": "#333333"},
        "phone": {"x": 80, "y": 1720, "size": 40, "color": "#333333"},
    },
}


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Kind.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("正文"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.CharField(label=gettext_lazy("分类"), required=False, max_length=64)
    tags = forms.CharField(label=gettext_lazy("标签（逗号分隔）"), required=False, max_length=400)
    product_url = forms.URLField(label=gettext_lazy("产品链接"), required=False, assume_scheme="https")
    risk_level = forms.ChoiceField(
        label=gettext_lazy("产品风险等级"), required=False, choices=[("", "—"), *RiskLevel.choices]
    )
    marketing_category = forms.ChoiceField(
        label=gettext_lazy("营销类别"), required=False, choices=[("", "—"), *MarketingCategory.choices]
    )
    publish_from = forms.DateTimeField(
        label=gettext_lazy("发布时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    publish_until = forms.DateTimeField(
        label=gettext_lazy("下架时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    branches = forms.CharField(label=gettext_lazy("适用网点代码（逗号分隔，留空为全部）"), required=False)
    allow_override = forms.BooleanField(label=gettext_lazy("允许说明理由后越过适当性校验"), required=False)
    attachments = forms.FileField(label=gettext_lazy("附件（PDF 或图片）"), required=False)
    background = forms.FileField(label=gettext_lazy("海报背景图"), required=False)

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned form as the service's keyword arguments (named as the service names them,
        so a service's field errors land on the right field)."""
        data = dict(self.cleaned_data)
        data["tags"] = [t.strip() for t in re.split(r"[,，]", data["tags"]) if t.strip()]
        data["branches"] = [b.strip() for b in re.split(r"[,，]", data["branches"]) if b.strip()]
        attachment = data.pop("attachments")
        data["attachments"] = [attachment] if attachment else []
        if data.get("background") is None:
            data.pop("background")
        return data


def _layout_form(request: AuthedHttpRequest, layout: PosterLayout | None, *, used: bool) -> PosterLayoutForm:
    """The layout form of a poster template, bound to the POST only when the material is a poster."""
    stored = (
        {"qr_x": layout.qr_x, "qr_y": layout.qr_y, "qr_size": layout.qr_size, "slots": layout.slots}
        if layout
        else DEFAULT_LAYOUT
    )
    return PosterLayoutForm(
        request.POST if request.method == "POST" and used else None,
        prefix="layout",
        initial=layout_initial(stored, DEFAULT_LAYOUT),
        width=layout.width if layout else None,
        height=layout.height if layout else None,
    )


def _saved_message(material: Material) -> str:
    # Saving never publishes: say so, so a draft is not left by mistake.
    if material.state_at(timezone.now()) == PublishState.DRAFT:
        return _("已保存为草稿：客户经理还看不到，确认无误后点「发布」")
    return _("已保存为第 %(v)d 版") % {"v": material.version}


@staff_page(Role.HEAD_OFFICE)
def material_new(request: AuthedHttpRequest) -> HttpResponse:
    form = MaterialForm(request.POST or None, request.FILES or None)
    is_poster = request.POST.get("kind") == Kind.POSTER
    layout_form = _layout_form(request, None, used=is_poster)
    if request.method == "POST" and form.is_valid() and (not is_poster or layout_form.is_valid()):
        kwargs = form.service_kwargs()
        if is_poster:
            kwargs["layout"] = layout_form.layout()
        try:
            material = material_create(by=request.user, **kwargs)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _saved_message(material))
            return redirect("materials:edit", pk=material.pk)
    return render(
        request,
        "materials/edit.html",
        {"form": form, "layout_form": layout_form, "material": None, "placeholders": PLACEHOLDERS},
    )


@staff_page(Role.HEAD_OFFICE)
def material_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    material = material_for(request.user, pk)
    layout = getattr(material, "layout", None) if material.kind == Kind.POSTER else None
    initial = {
        "kind": material.kind,
        "title": material.title,
        "body": material.body,
        "category": material.category,
        "tags": ", ".join(material.tags),
        "product_url": material.product_url,
        "risk_level": material.risk_level,
        "marketing_category": material.marketing_category,
        "publish_from": timezone.localtime(material.publish_from) if material.publish_from else None,
        "publish_until": timezone.localtime(material.publish_until) if material.publish_until else None,
        "branches": ", ".join(b.code for b in material.branches.all()),
        "allow_override": material.allow_override,
    }
    form = MaterialForm(request.POST or None, request.FILES or None, initial=initial)
    is_poster = material.kind == Kind.POSTER
    # A new background changes the size the layout is checked against: the service checks it then.
    new_background = bool(request.FILES.get("background"))
    layout_form = _layout_form(request, None if new_background else layout, used=is_poster)
    if request.method == "POST" and form.is_valid() and (not is_poster or layout_form.is_valid()):
        kwargs = form.service_kwargs()
        if is_poster:
            kwargs["layout"] = layout_form.layout()
        try:
            material = material_update(material=material, by=request.user, **kwargs)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _saved_message(material))
            return redirect("materials:edit", pk=material.pk)
    return render(
        request,
        "materials/edit.html",
        {
            "form": form,
            "layout_form": layout_form if is_poster else None,
            "material": material,
            "state": material.state_at(timezone.now()),
            "gaps": publish_gaps(material),
            "layout": layout,
            "placeholders": PLACEHOLDERS,
        },
    )


@staff_page(Role.HEAD_OFFICE)
@require_POST
def material_publish_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    material = material_for(request.user, pk)
    try:
        material_publish(material=material, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已发布：客户经理现在可以看到并转发"))
    return redirect("materials:edit", pk=pk)


@staff_page(Role.HEAD_OFFICE)
@require_POST
def material_withdraw_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    material = material_for(request.user, pk)
    try:
        material_withdraw(material=material, by=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已下架：客户经理不再看到这份物料"))
    return redirect("materials:edit", pk=pk)
