"""Import of the indicator wide table (CSV of `cust_no` + indicator codes + optional customer columns).

Whole-file problems (encoding, header) fail the job before anything is written. Row problems
are reported with the row number (the header is row 1) and skip only that row: a bad row
leaves the customer's previous values intact. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import TooLarge
from rm_portal.core.jobs import RunningJob
from rm_portal.core.services import job_start
from rm_portal.customers.models import IndicatorDefinition
from rm_portal.customers.services.imports.rows import (
    BATCH,
    CUSTOMER_COLUMNS,
    Context,
    ImportFailed,
    RowError,
    decode,
    header_check,
    max_import_bytes,
    parse_row,
)
from rm_portal.customers.services.imports.writes import apply_batch
from rm_portal.org.models import Branch, Role, Staff


class ImportResult(TypedDict):
    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int
    errors: list[dict[str, object]]


def too_large() -> TooLarge:
    return TooLarge(_("文件过大（上限 %(mb)s MB）") % {"mb": max_import_bytes() // (1024 * 1024)})


def customers_import(*, raw: bytes, as_of: date | None = None, job: RunningJob | None = None) -> ImportResult:
    """Import a whole file; returns counts and the row errors. Raises ImportFailed for a bad file
    (TooLarge past the size cap); progress and row errors go to `job` as the batches are written."""
    if len(raw) > max_import_bytes():
        raise too_large()
    text = decode(raw)
    indicators = dict(IndicatorDefinition.objects.values_list("code", "type"))
    try:
        header = next(csv.reader(io.StringIO(text)), None)
        if not header:
            raise ImportFailed(_("文件是空的"))
        columns = header_check(header, indicators)
        total = sum(1 for _row in csv.reader(io.StringIO(text))) - 1
    except csv.Error as error:
        raise ImportFailed(_("CSV 格式错误：%(error)s") % {"error": error}) from error
    if job is not None:
        # job_run started the job before the file was read; its size is known only now.
        job_start(job_id=job.job_id, total=total)
    ctx = Context(
        as_of=as_of or timezone.localdate(),
        indicators={c: indicators[c] for c in columns if c in indicators},
        branches=dict(Branch.objects.values_list("code", "id")),
        rms={
            s.user.username: (s.user_id, s.branch_id)
            for s in Staff.objects.filter(role=Role.RM, active=True).select_related("user")
        },
    )
    ctx.rm_branch = {user_id: branch_id for user_id, branch_id in ctx.rms.values()}
    ctx.cust_no_at = columns.index("cust_no")
    ctx.indicator_at = [(at, code, indicators[code]) for at, code in enumerate(columns) if code in indicators]
    ctx.column_at = {column: at for at, column in enumerate(columns) if column in CUSTOMER_COLUMNS}
    errors: list[dict[str, object]] = []
    all_errors: list[dict[str, object]] = []
    batch: list[tuple[int, str, dict[str, object], dict[str, object]]] = []
    processed = 0
    reader = csv.reader(io.StringIO(text))
    next(reader)
    number = 1
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as error:
            number += 1
            errors.append(
                {"row": number, "cust_no": "", "detail": _("CSV 格式错误：%(error)s") % {"error": error}}
            )
            ctx.failed += 1
            processed += 1
            continue
        if cells is not None:
            number += 1
            processed += 1
            if not any(cell.strip() for cell in cells):
                continue
            try:
                if len(cells) != len(columns):
                    raise RowError(
                        _("列数 %(got)s 与表头的 %(want)s 列不符") % {"got": len(cells), "want": len(columns)}
                    )
                batch.append((number, *parse_row(number, cells, ctx)))
            except RowError as error:
                ctx.failed += 1
                cust_no = cells[columns.index("cust_no")] if len(cells) == len(columns) else ""
                errors.append({"row": number, "cust_no": cust_no.strip()[:32], "detail": str(error)})
        if batch and (len(batch) >= BATCH or cells is None):
            apply_batch(batch, ctx, errors)
            batch = []
        if processed % BATCH == 0 or cells is None:
            errors.sort(key=lambda error: int(str(error["row"])))
            if job is not None:
                job.progress(processed=processed, errors=errors)
            all_errors.extend(errors)
            errors = []
        if cells is None:
            break
    return {
        "rows": processed,
        "created": ctx.created,
        "updated": ctx.updated,
        "unchanged": ctx.unchanged,
        "failed": ctx.failed,
        "errors": all_errors,
    }
