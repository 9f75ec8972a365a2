"""What a valid template is: its limits and the words for breaking them.

The API's input serializer (`inputs.TemplateIn`) and the head-office page's form
(`forms.TemplateForm`) each parse their own kind of input; both take their limits and messages
from here, so a rule is written once and reads the same on both surfaces.
"""

from __future__ import annotations

import re
from datetime import time

from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rm_portal.org.models import Role

ASSIGNABLE = [Role.RM, Role.BRANCH_LEAD]
NAME_MAX = 100
ITEM_TEXT_MAX = 200
MAX_ITEMS = 50
DUE_MAX = 24 * 60
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

NAME_BLANK = _("请填写模板名称")
NAME_TOO_LONG = format_lazy(_("名称不能超过 {max_length} 个字"), max_length=NAME_MAX)
TIME_BLANK = _("请填写提醒时间")
TIME_FORMAT = _("时间格式应为 HH:MM（00:00–23:59）")
WEEKDAYS_EMPTY = _("请至少选择一天")
DUE_INVALID = _("完成时限应为整数分钟")
DUE_TOO_SHORT = format_lazy(_("完成时限至少 {min_value} 分钟"), min_value=1)
DUE_TOO_LONG = format_lazy(_("完成时限不能超过 {max_value} 分钟（24 小时）"), max_value=DUE_MAX)
ROLES_EMPTY = _("请至少选择一个执行角色")
ITEMS_EMPTY = _("请至少填写一个事项")
ITEMS_TOO_MANY = format_lazy(_("事项不能超过 {max_length} 个"), max_length=MAX_ITEMS)
ITEM_BLANK = _("请填写事项内容")
ITEM_TOO_LONG = format_lazy(_("事项内容不能超过 {max_length} 个字"), max_length=ITEM_TEXT_MAX)
SCOPE_INVALID = _("执行方式只能是 person（每人一份）或 branch（每网点一份）")


def time_parse(raw: str) -> time | None:
    """`HH:MM`, 00:00–23:59, in bank time; None for anything else."""
    match = TIME.match(raw.strip())
    return time(int(match[1]), int(match[2])) if match else None


def name_taken(name: str) -> str:
    # Runs and dashboards show templates by name: two with one name could not be told apart.
    return gettext("已有同名模板“%(name)s”") % {"name": name}
