"""Head office's page: the signals that decide recommendations, and how each recommendation did."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from rm_portal.core.errors import DomainError, Invalid
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.matching import selectors
from rm_portal.matching.forms import SignalForm
from rm_portal.matching.services import signal_save
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error


@staff_page(Role.HEAD_OFFICE)
def signals_page(request: AuthedHttpRequest) -> HttpResponse:
    signals = selectors.signal_list(user=request.user)
    editing = None
    if code := request.GET.get("edit") or request.POST.get("editing"):
        editing = get_object_or_404(signals, code=code)
    if request.method == "POST":
        form = SignalForm(request.POST)
        if form.is_valid():
            try:
                signal_save(signal=editing, **form.cleaned_data)
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, _("匹配信号已保存"))
                return redirect("matching:signals")
        else:
            show_error(request, Invalid(fields={k: [str(e) for e in v] for k, v in form.errors.items()}))
    elif editing is not None:
        form = SignalForm(
            initial={
                "code": editing.code,
                "name": editing.name,
                "kind": editing.kind,
                "tag": editing.tag.code if editing.tag else None,
                "holding_type": editing.holding_type,
                "days": editing.days,
                "amount": editing.amount,
                "match_category": editing.match_category,
                "match_word": editing.match_word,
                "weight": editing.weight,
                "active": editing.active,
            }
        )
    else:
        form = SignalForm()
    context = {
        "signals": signals,
        "form": form,
        "editing": editing,
        "figures": selectors.recommendation_figures(user=request.user),
    }
    return render(request, "matching/signals.html", context)
