"""Filters of the page shell (templates/base.html)."""

from __future__ import annotations

from django import template

register = template.Library()

# Django names its languages in its own way ("zh-hans"); the page says it in BCP 47 as browsers,
# screen readers and the brief expect it: Simplified Chinese as used in mainland China.
_HTML_LANG = {"zh-hans": "zh-CN", "zh-hant": "zh-TW"}


@register.filter
def html_lang(code: str) -> str:
    return _HTML_LANG.get(code, code)
