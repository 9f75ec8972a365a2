"""Phone pages: the RM's compose-and-check box, the officer's alert queue, conversation view,
search with highlights, audit log and lexicon editor. All work without JavaScript."""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from compliance.exports import messages_csv
from compliance.filters import TermFilter
from compliance.models import AlertStatus, SearchAudit, Severity
from compliance.selectors import (
    SearchFilters,
    alert_for,
    alert_list,
    audit_list,
    conversation_for,
    conversation_messages,
    highlight,
    message_context,
    message_search,
    term_for,
    term_list,
)
from compliance.services.alerts import alert_resolve
from compliance.services.audit import search_audit_create
from compliance.services.conversations import conversation_legal_hold_set
from compliance.services.lexicon import term_create, term_update, text_check
from rm_portal.core.errors import DomainError
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error

PAGE = 20


class CheckForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("拟发送内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


@staff_page()
def check(request: AuthedHttpRequest) -> HttpResponse:
    form = CheckForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        result = text_check(text=text)
        pieces, cursor = [], 0
        for hit in result["hits"]:
            pieces.append((text[cursor : hit["start"]], None))
            pieces.append((text[hit["start"] : hit["end"]], hit["severity"]))
            cursor = hit["end"]
        pieces.append((text[cursor:], None))
        result["pieces"] = pieces
    return render(request, "compliance/check.html", {"form": form, "result": result})


class AlertFilter(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), choices=[("", gettext_lazy("全部")), *AlertStatus.choices], required=False
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("级别"), choices=[("", gettext_lazy("全部")), *Severity.choices], required=False
    )
    category = forms.CharField(label=gettext_lazy("类别"), max_length=32, required=False)
    branch = forms.CharField(label=gettext_lazy("网点"), max_length=16, required=False)
    rm = forms.CharField(label=gettext_lazy("客户经理"), max_length=150, required=False)


@staff_page(Role.COMPLIANCE)
def alerts(request: AuthedHttpRequest) -> HttpResponse:
    form = AlertFilter(request.GET or {"status": AlertStatus.OPEN})
    filters = form.cleaned_data if form.is_valid() else {"status": AlertStatus.OPEN}
    page = Paginator(alert_list(user=request.user, **filters), PAGE).get_page(request.GET.get("page"))
    search_audit_create(
        user=request.user,
        action=SearchAudit.Action.ALERTS,
        filters={k: v for k, v in filters.items() if v},
        result_count=page.paginator.count,
    )
    return render(request, "compliance/alerts.html", {"form": form, "page": page})


class ResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("处置结果"),
        choices=[c for c in AlertStatus.choices if c[0] != AlertStatus.OPEN],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@staff_page(Role.COMPLIANCE)
def alert(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = alert_for(request.user, pk)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert_resolve(alert=item, by=request.user, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            flash.success(request, _("已处置"))
            return redirect("compliance:alert", pk=pk)
    context = message_context(user=request.user, message=item.message)
    spans = {(h["start"], h["end"]) for h in item.hits}
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        pieces.append((item.message.content[cursor:start], False))
        pieces.append((item.message.content[start:end], True))
        cursor = end
    pieces.append((item.message.content[cursor:], False))
    search_audit_create(
        user=request.user,
        action=SearchAudit.Action.ALERT,
        filters={"alert": item.pk},
        result_count=len(context),
    )
    return render(
        request,
        "compliance/alert.html",
        {
            "alert": item,
            "context": context,
            "pieces": pieces,
            "form": form,
            "history": item.dispositions.select_related("by__staff"),
        },
    )


@staff_page(Role.COMPLIANCE, Role.BRANCH_LEAD, Role.RM)
def conversation(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A conversation as the user may see it; `?focus=<message id>` centres on one message."""
    item = conversation_for(request.user, pk)
    messages = conversation_messages(user=request.user, conversation=item)
    focus = None
    focus_id = request.GET.get("focus", "")
    if focus_id.isdigit():
        focus = messages.filter(pk=int(focus_id)).first()
    if focus is not None:
        shown = list(messages.filter(seq__gte=focus.seq - 10, seq__lte=focus.seq + 10))
    else:
        shown = list(messages.reverse()[:40])[::-1]
    search_audit_create(
        user=request.user,
        action=SearchAudit.Action.CONVERSATION,
        filters={"conversation": item.pk, **({"focus": focus.pk} if focus is not None else {})},
        result_count=len(shown),
    )
    return render(
        request,
        "compliance/conversation.html",
        # Not "messages": that name is the flash messages' in every template (base.html shows each
        # as a banner), and the chat's would shadow it.
        {"conversation": item, "chat": shown, "focus": focus, "total": item.last_seq},
    )


@staff_page(Role.COMPLIANCE)
@require_POST
def conversation_hold(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_for(request.user, pk)
    hold = request.POST.get("hold") == "1"
    conversation_legal_hold_set(conversation=conversation, hold=hold, by=request.user)
    flash.success(request, _("已设置诉讼保全") if hold else _("已解除诉讼保全"))
    back = request.POST.get("next", "")
    return redirect(
        back if url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back else "compliance:alerts"
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("关键词"), max_length=100, required=False, strip=False)
    rm = forms.CharField(label=gettext_lazy("客户经理"), max_length=150, required=False)
    customer = forms.CharField(label=gettext_lazy("客户号"), max_length=32, required=False)
    since = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.CharField(label=gettext_lazy("类别"), max_length=32, required=False)
    has_hits = forms.NullBooleanField(
        label=gettext_lazy("命中敏感词"),
        required=False,
        widget=forms.Select(
            choices=[
                ("unknown", gettext_lazy("不限")),
                ("true", gettext_lazy("是")),
                ("false", gettext_lazy("否")),
            ]
        ),
    )


@staff_page(Role.COMPLIANCE, Role.BRANCH_LEAD, Role.RM)
def search(request: AuthedHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = None
    if request.GET and form.is_valid():
        filters = _search_filters(form)
        qs = message_search(user=request.user, filters=filters)
        page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
        search_audit_create(
            user=request.user,
            action=SearchAudit.Action.SEARCH,
            filters=filters.as_dict(),
            result_count=page.paginator.count,
        )
        for message in page.object_list:
            message.pieces = highlight(message.content, filters.q)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "compliance/search.html", {"form": form, "page": page, "query": query.urlencode()})


def _search_filters(form: SearchForm) -> SearchFilters:
    return SearchFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})


@staff_page(Role.COMPLIANCE)
def export(request: AuthedHttpRequest) -> HttpResponseBase:
    """The search page's 导出 CSV: the same form as the search, the same CSV as the API's export,
    for the signed-in officer. A filter the form refuses sends the officer back to the search
    with the reason, never a JSON error page."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        flash.error(
            request,
            _("未导出：")
            + "；".join(
                f"{form.fields[name].label if name in form.fields else name}：{' '.join(map(str, errors))}"
                for name, errors in form.errors.items()
            ),
        )
        back = request.GET.copy()
        return redirect(f"{reverse('compliance:search')}?{back.urlencode()}")
    return messages_csv(user=request.user, filters=_search_filters(form))


@staff_page(Role.COMPLIANCE)
def audit(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(audit_list(user=request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "compliance/audit.html", {"page": page})


class TermForm(forms.Form):
    term = forms.CharField(label=gettext_lazy("敏感词"), max_length=64)
    category = forms.CharField(label=gettext_lazy("类别"), max_length=32)
    severity = forms.ChoiceField(label=gettext_lazy("级别"), choices=Severity.choices)
    allow = forms.CharField(label=gettext_lazy("豁免短语（逗号分隔）"), max_length=500, required=False)
    suggestion = forms.CharField(label=gettext_lazy("建议话术"), max_length=200, required=False)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def clean_allow(self) -> list[str]:
        raw = self.cleaned_data["allow"].replace("，", ",")
        return [a.strip() for a in raw.split(",") if a.strip()]


@staff_page(Role.COMPLIANCE, Role.HEAD_OFFICE)
def terms(request: AuthedHttpRequest) -> HttpResponse:
    form = TermForm(request.POST or None)
    if request.method == "POST":
        if request.user.staff.role != Role.COMPLIANCE:
            raise PermissionDenied
        if form.is_valid():
            try:
                term_create(by=request.user, **form.cleaned_data)
            except DomainError as error:
                show_error(request, error, form)
            else:
                flash.success(request, _("已添加，数秒内在所有服务生效"))
                return redirect("compliance:terms")
    q = request.GET.get("q", "")[:64]
    qs = TermFilter({"q": q}, queryset=term_list(user=request.user)).qs
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "compliance/terms.html", {"form": form, "page": page, "q": q})


@staff_page(Role.COMPLIANCE)
def term_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    term = term_for(request.user, pk)
    initial = {
        "term": term.term,
        "category": term.category,
        "severity": term.severity,
        "allow": ", ".join(term.allow),
        "suggestion": term.suggestion,
        "active": term.active,
    }
    form = TermForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            term_update(target=term, by=request.user, **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            flash.success(request, _("已保存"))
            return redirect("compliance:terms")
    return render(request, "compliance/term.html", {"form": form, "term": term})
