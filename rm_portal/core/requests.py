"""Request types for views behind a login: the wall has run, so `request.user` is a real User."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request


class AuthedHttpRequest(HttpRequest):
    """A page request that passed `staff_page` (or `login_required`)."""

    user: User


class AuthedRequest(Request):
    """An API request that passed the view's permission classes (every default one needs a login)."""

    user: User
