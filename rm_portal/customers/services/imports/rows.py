"""Reading an import file: its encoding, its header and each row, checked before anything is written."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import IndicatorDefinition, RiskRating


def max_import_bytes() -> int:
    """The largest file an import accepts (setting `CUSTOMER_IMPORT_MAX_BYTES`, 100 MB by default)."""
    return int(getattr(settings, "CUSTOMER_IMPORT_MAX_BYTES", 100 * 1024 * 1024))


BATCH = 1000
CUSTOMER_COLUMNS = (
    "name",
    "branch",
    "owner",
    "phone",
    "id_number",
    "aum",
    "risk_rating",
    "birthday",
    "opened_on",
)
CUST_NO = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
FLAGS = {"1": True, "true": True, "y": True, "是": True, "0": False, "false": False, "n": False, "否": False}
LIMITS = {"name": 64, "phone": 20, "id_number": 32}


class ImportFailed(Invalid):
    """The whole file is unusable; nothing was written."""


class RowError(Exception):
    """One row is unusable: reported with its number, the rest of the file goes on."""


Row = tuple[str, dict[str, object], dict[str, object]]  # cust_no, customer fields, indicator values


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GBK (as GB18030, its superset): bank exports are often GBK."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as error:
        raise ImportFailed(_("无法识别文件编码，请使用 UTF-8 或 GBK 编码的 CSV")) from error


def header_check(header: list[str], indicators: dict[str, str]) -> list[str]:
    columns = [column.strip() for column in header]
    if "cust_no" not in columns:
        raise ImportFailed(_("表头缺少 cust_no 列"))
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise ImportFailed(_("表头有重复的列：%(columns)s") % {"columns": ", ".join(duplicates)})
    unknown = [c for c in columns if c != "cust_no" and c not in CUSTOMER_COLUMNS and c not in indicators]
    if unknown:
        shown = ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise ImportFailed(_("未知的指标代码或列：%(columns)s") % {"columns": shown})
    return columns


def header_peek(raw_start: bytes) -> None:
    """Check encoding and header from the first bytes, so the upload answers 400 at once."""
    first_line = raw_start.split(b"\n", 1)[0]
    line = decode(first_line)
    header = next(csv.reader([line]), [])
    header_check(header, dict(IndicatorDefinition.objects.values_list("code", "type")))


@dataclass
class Context:
    as_of: date
    indicators: dict[str, str]
    branches: dict[str, int]
    rms: dict[str, tuple[int, int]]  # username -> (user id, branch id) of active RMs
    seen: dict[str, int] = field(default_factory=dict)
    rm_branch: dict[int, int] = field(default_factory=dict)
    # Positions in a row: no dict per row for 448 cells.
    cust_no_at: int = 0
    indicator_at: list[tuple[int, str, str]] = field(default_factory=list)
    column_at: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


def parse_row(number: int, cells: list[str], ctx: Context) -> Row:
    cust_no = cells[ctx.cust_no_at].strip()
    if not CUST_NO.match(cust_no):
        raise RowError(_("客户号为空或格式不对"))
    if cust_no in ctx.seen:
        raise RowError(
            _("客户号 %(no)s 重复，首次出现在第 %(row)s 行") % {"no": cust_no, "row": ctx.seen[cust_no]}
        )
    ctx.seen[cust_no] = number
    values: dict[str, object] = {}
    for at, code, kind in ctx.indicator_at:
        text = cells[at].strip()
        if not text:
            values[code] = None
        elif kind == "number":
            # The hot loop of an import (448 cells a row): inlined, no exception on the happy path.
            if text.isdigit():
                values[code] = int(text)
                continue
            try:
                parsed = float(text)
            except ValueError:
                parsed = math.nan
            if parsed != parsed or parsed in (math.inf, -math.inf):
                raise RowError(
                    _("指标 %(code)s 的值 %(value)s 不是数字") % {"code": code, "value": text[:40]}
                ) from None
            values[code] = parsed
        elif kind == "flag":
            flag = FLAGS.get(text.lower())
            if flag is None:
                raise RowError(
                    _("指标 %(code)s 的值 %(value)s 应为 1/0 或 是/否") % {"code": code, "value": text[:40]}
                )
            values[code] = flag
        else:
            values[code] = text[:200]
    fields: dict[str, object] = {}
    for column in CUSTOMER_COLUMNS:
        if column not in ctx.column_at:
            continue
        text = cells[ctx.column_at[column]].strip()
        if text == "":
            continue  # an empty customer column keeps what the customer has
        if column in LIMITS:
            if len(text) > LIMITS[column]:
                raise RowError(_("%(column)s 过长") % {"column": column})
            fields[column] = text
        elif column == "aum":
            try:
                aum = Decimal(text)
            except InvalidOperation:
                raise RowError(_("aum 的值 %(value)s 不是金额") % {"value": text[:40]}) from None
            if not aum.is_finite() or aum < 0 or aum >= Decimal("1e14"):
                raise RowError(_("aum 的值超出范围"))
            fields["aum"] = aum.quantize(Decimal("0.01"))
        elif column == "risk_rating":
            if text.upper() not in RiskRating.values:
                raise RowError(_("风险评级应为 C1–C5"))
            fields["risk_rating"] = text.upper()
        elif column in ("birthday", "opened_on"):
            try:
                fields[column] = date.fromisoformat(text)
            except ValueError:
                raise RowError(_("%(column)s 应为 YYYY-MM-DD 格式的日期") % {"column": column}) from None
        elif column == "branch":
            if text not in ctx.branches:
                raise RowError(_("未知的网点代码 %(code)s") % {"code": text[:20]})
            fields["branch_id"] = ctx.branches[text]
        elif column == "owner":
            if text not in ctx.rms:
                raise RowError(_("%(name)s 不是在职的客户经理") % {"name": text[:40]})
            fields["owner_id"] = ctx.rms[text][0]
    return cust_no, fields, values
