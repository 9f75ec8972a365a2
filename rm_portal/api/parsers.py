"""JSON parsing with limits, before any view sees the body.

Python's json module recurses once per nesting level: a 2 KB body of a thousand `[` raised
RecursionError (a 500) on every JSON endpoint, the unauthenticated token endpoint included. No
request of this API nests deeper than a few levels, so anything past MAX_DEPTH is refused."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _depth_exceeds(value: object, limit: int) -> bool:
    """Iterative, so checking cannot itself run out of stack."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON 嵌套过深（最多 %(n)d 层）") % {"n": MAX_DEPTH}) from None
        except ParseError:
            # DRF's message echoes Python's codec and decoder text; say it in the caller's words.
            raise ParseError(_("请求体不是有效的 JSON")) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(_("JSON 嵌套过深（最多 %(n)d 层）") % {"n": MAX_DEPTH})
        return data
