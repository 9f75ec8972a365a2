"""The import page's template file and indicator list: the columns an import accepts, from the
indicator catalogue (IndicatorDefinition), so the template never drifts from what the reader takes."""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet

from rm_portal.customers.models import IndicatorDefinition
from rm_portal.customers.services.imports.rows import CUSTOMER_COLUMNS

ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}  # a BOM so Excel opens UTF-8 as UTF-8


def indicator_list() -> QuerySet[IndicatorDefinition]:
    return IndicatorDefinition.objects.order_by("group", "order", "code")


def template_header() -> list[str]:
    """`cust_no`, the customer columns, then every indicator code (a code that is also a customer
    column, `aum`, once)."""
    header = ["cust_no", *CUSTOMER_COLUMNS]
    header += [code for code in indicator_list().values_list("code", flat=True) if code not in header]
    return header


def template_csv(encoding: str) -> bytes:
    """The header row alone, in UTF-8 (with BOM) or GBK (as GB18030, which the reader reads back)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(template_header())
    return out.getvalue().encode(ENCODINGS[encoding])
