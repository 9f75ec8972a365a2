"""The officer's page for the built-in detectors: on/off, severity, the bank's URL domains.
A page of its own (not views.py) so the compliance pages and this setting change apart."""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.matching import DETECTOR_KINDS
from compliance.models import Severity
from compliance.selectors import detector_for, detector_list
from compliance.services.detectors import detector_update
from rm_portal.core.errors import DomainError
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error


class DetectorForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in DETECTOR_KINDS], widget=forms.HiddenInput)
    enabled = forms.BooleanField(label=gettext_lazy("启用"), required=False)
    severity = forms.ChoiceField(label=gettext_lazy("级别"), choices=Severity.choices)
    allow_domains = forms.CharField(
        label=gettext_lazy("本行域名（逗号分隔，含子域名）"), max_length=4000, required=False
    )

    def clean_allow_domains(self) -> list[str]:
        raw = self.cleaned_data["allow_domains"].replace("，", ",").replace("\n", ",")
        return [d.strip() for d in raw.split(",") if d.strip()]


@staff_page(Role.COMPLIANCE, Role.HEAD_OFFICE)
def detectors(request: AuthedHttpRequest) -> HttpResponse:
    posted = DetectorForm(request.POST) if request.method == "POST" else None
    if posted is not None:
        if request.user.staff.role != Role.COMPLIANCE:
            raise PermissionDenied
        if posted.is_valid():
            data = posted.cleaned_data
            row = detector_for(request.user, data["kind"])
            try:
                detector_update(
                    kind=row.kind,
                    by=request.user,
                    enabled=data["enabled"],
                    severity=data["severity"],
                    allow_domains=data["allow_domains"] if row.kind == "url" else None,
                )
            except DomainError as error:
                show_error(request, error, posted)
            else:
                flash.success(request, _("已保存，数秒内在所有服务生效"))
                return redirect("compliance:detectors")
    forms_by_kind = []
    for row in detector_list(user=request.user):
        if posted is not None and posted.data.get("kind") == row.kind:
            form = posted
        else:
            form = DetectorForm(
                initial={
                    "kind": row.kind,
                    "enabled": row.enabled,
                    "severity": row.severity,
                    "allow_domains": ", ".join(row.allow_domains or []),
                }
            )
        forms_by_kind.append((row, form))
    return render(request, "compliance/detectors.html", {"rows": forms_by_kind})
