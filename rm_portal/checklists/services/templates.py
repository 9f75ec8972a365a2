"""Writes for templates and the holiday calendar: what head office configures."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, time
from typing import NotRequired, TypedDict

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from rm_portal.checklists.models import ChecklistTemplate, Holiday, TemplateItem
from rm_portal.checklists.rules import name_taken
from rm_portal.checklists.selectors import template_name_taken
from rm_portal.core.errors import Invalid, TooLarge
from rm_portal.org.models import Branch

HOLIDAYS_MAX_BYTES = 1024 * 1024


class ItemSpec(TypedDict):
    """One item of a template, as the API's serializer and the page's formset hand it over."""

    text: str
    requires_photo: NotRequired[bool]
    requires_note: NotRequired[bool]


@transaction.atomic
def template_save(
    *,
    template: ChecklistTemplate | None = None,
    name: str,
    time_of_day: time,
    weekdays: Sequence[int],
    due_minutes: int,
    roles: Sequence[str],
    items: Sequence[ItemSpec],
    branches: Iterable[Branch] = (),
    skip_holidays: bool = True,
    active: bool = True,
    scope: str = ChecklistTemplate.Scope.PERSON,
    early: str = ChecklistTemplate.Early.ALLOW,
) -> ChecklistTemplate:
    """Create a template (`template=None`) or make the next version of one, from parsed values.

    An edit bumps `version` and replaces the items; runs already made keep the items and the
    version they were made with (their snapshot). A taken name stores nothing.
    """
    if template is None:
        template = ChecklistTemplate()
    else:
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        template.version += 1
    if template_name_taken(name, exclude=template.pk):
        raise Invalid(fields={"name": name_taken(name)})
    template.name = name
    template.time_of_day = time_of_day
    template.weekdays = sorted(set(weekdays))
    template.due_minutes = due_minutes
    template.roles = sorted(set(roles))
    template.skip_holidays = skip_holidays
    template.active = active
    template.scope = scope
    template.early = early
    template.save()
    template.branches.set(list(branches))
    template.items.all().delete()
    TemplateItem.objects.bulk_create(
        [
            TemplateItem(
                template=template,
                order=position,
                text=item["text"],
                requires_photo=item.get("requires_photo", False),
                requires_note=item.get("requires_note", False),
            )
            for position, item in enumerate(items)
        ]
    )
    return template


def holidays_import(*, upload: File[bytes]) -> int:
    """A CSV of `date,name` rows (header optional); all rows valid or nothing is stored."""
    if upload.size is not None and upload.size > HOLIDAYS_MAX_BYTES:
        raise TooLarge(fields={"file": _("文件过大（上限 1 MB）")})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(fields={"file": _("文件必须是 UTF-8 编码的 CSV")}) from None
    rows: dict[date, str] = {}
    errors = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() in ("date", "日期"):
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(_("第 %(line)d 行：日期格式应为 YYYY-MM-DD") % {"line": number})
            continue
        rows[day] = (row[1].strip() if len(row) > 1 else "")[:64] or _("节假日")
    if errors:
        raise Invalid(fields={"file": errors[:20]})
    if not rows:
        raise Invalid(fields={"file": _("文件中没有节假日")})
    with transaction.atomic():
        for day, name in rows.items():
            Holiday.objects.update_or_create(date=day, defaults={"name": name})
    return len(rows)
