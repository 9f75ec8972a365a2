"""Script templates (话术) with placeholders, checked on save and rendered at generation.

Only bare names from PLACEHOLDERS are allowed: no attribute or index access, no conversion,
no format spec (`{customer_name:>99999999}` would be a memory bomb), so rendering a template
written by head office can never reach into Python objects.
"""

from __future__ import annotations

import string

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rm_portal.core.errors import Invalid

PLACEHOLDERS = {
    "customer_name": gettext_lazy("客户姓名"),
    "rm_name": gettext_lazy("客户经理姓名"),
    "branch_name": gettext_lazy("网点名称"),
    "rule_name": gettext_lazy("商机名称"),
    "product": gettext_lazy("相关产品（最近到期的持有产品）"),
    "maturity_date": gettext_lazy("产品到期日"),
    "amount": gettext_lazy("产品金额"),
    "aum": gettext_lazy("资产规模"),
    "due_date": gettext_lazy("处理截止日"),
}
MAX_SCRIPT_LENGTH = 2000
MISSING = "—"


def script_fields(template: str) -> set[str]:
    """The placeholders a template uses; Invalid (on the `script` field) naming the first bad one."""
    if len(template) > MAX_SCRIPT_LENGTH:
        raise Invalid(fields={"script": _("话术过长（最多 %(n)s 个字符）") % {"n": MAX_SCRIPT_LENGTH}})
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise Invalid(
            fields={"script": _("话术中的花括号不成对（字面的花括号请写成 {{ 或 }}）：%(e)s") % {"e": error}}
        ) from error
    fields: set[str] = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            known = "、".join(f"{{{k}}}" for k in PLACEHOLDERS)
            message = _("未知的占位符 {%(name)s}，可用：%(known)s") % {"name": name, "known": known}
            raise Invalid(fields={"script": message})
        if spec or conversion:
            raise Invalid(fields={"script": _("占位符 {%(name)s} 不支持格式说明") % {"name": name}})
        fields.add(name)
    return fields


def script_render(template: str, values: dict[str, object]) -> str:
    """Render a checked template; a value the customer lacks shows as a dash."""
    return template.format_map({name: values.get(name) or MISSING for name in PLACEHOLDERS})
