"""CSV for Excel users: UTF-8 with a BOM (else Excel garbles Chinese), and no cell that a
spreadsheet would run as a formula. Every export of the product goes through here."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: object) -> str | int | float:
    """Text that starts like a formula gets a leading quote; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """One CSV line at a time, BOM first: stream it, or join it for a small export."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([excel_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([excel_safe(cell) for cell in row])
