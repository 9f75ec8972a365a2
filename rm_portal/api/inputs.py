"""Input parsing for API views: strict (unknown fields are an error, not silently dropped)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
    if not hasattr(data, "keys"):
        raise serializers.ValidationError({"detail": _("请求体必须是 JSON 对象")})
    serializer = serializer_class(data=data, **kwargs)
    known = set(serializer.fields)
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise serializers.ValidationError({key: [_("未知字段")] for key in unknown})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def query(serializer_class: type[serializers.Serializer], params: Any) -> dict[str, Any]:
    """Query parameters through a serializer: a bad value is a 400 naming the parameter
    (`{"date": ["…"]}`). Parameters the serializer does not name are left alone: `page`,
    `page_size` and a client's cache buster ride along with every list."""
    serializer = serializer_class(data=params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
