"""Every error under /api/ is JSON: DRF's own, Django's, and the unexpected ones."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf as csrf_views
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from rm_portal.core.errors import DomainError

logger = logging.getLogger("rm_portal.api")


def handler(exc: Exception, context: dict[str, object]) -> Response:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        # Django's text names the model ("No ChecklistRun matches the given query."): say only
        # what the caller may know, the same for "missing" and "not yours".
        return Response({"detail": _("未找到")}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": _("请求体过大")}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": _("请求字段过多")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": _("请求无效")}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_handler(exc, context)
    if response is not None:
        return response
    view = context.get("view")
    logger.exception("unexpected error in %s", type(view).__name__ if view else "api", exc_info=exc)
    return Response({"detail": _("服务器内部错误，请稍后再试")}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def _json(status_code: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status_code, json_dumps_params={"ensure_ascii": False})


def api_or_page(api_view, page_view):
    """Django's error handlers, split by path: JSON under /api/, a page elsewhere."""

    def view(request: HttpRequest, *args: object, **kwargs: object):
        if request.path.startswith("/api/"):
            return api_view(request)
        return page_view(request, *args, **kwargs)

    return view


def api_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json(404, _("未找到"))


@csrf_exempt
def api_unknown(request: HttpRequest) -> JsonResponse:
    """An /api/ URL that resolves to nothing: a JSON 404 for every method. CSRF-exempt because
    there is nothing here to protect, and a POST must not be answered with the CSRF page."""
    return api_404(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal: JSON under /api/ (a session client without the token), a page elsewhere."""
    if request.path.startswith("/api/"):
        return _json(403, _("CSRF 校验失败：请使用令牌认证，或带上 CSRF 令牌"))
    return csrf_views.csrf_failure(request, reason=reason)


def api_400(request: HttpRequest) -> JsonResponse:
    return _json(400, _("请求无效"))


def api_403(request: HttpRequest) -> JsonResponse:
    return _json(403, _("您没有执行该操作的权限"))


def api_500(request: HttpRequest) -> JsonResponse:
    return _json(500, _("服务器内部错误，请稍后再试"))
