"""How a page shows a service's refusal: on the form when there is one, else as a flash message."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from rm_portal.core.errors import DomainError


def show_error(request: HttpRequest, error: DomainError, form: forms.BaseForm | None = None) -> None:
    """Field errors land on the form's fields (unknown names on the form as a whole); without a
    form every message becomes one flash message, so the person sees all of them at once."""
    if form is None:
        messages.error(request, "；".join(error.messages()))
        return
    for name, texts in error.fields.items():
        target = name if name in form.fields else None
        for text in texts:
            form.add_error(target, text)
    if error.message:
        form.add_error(None, error.message)
