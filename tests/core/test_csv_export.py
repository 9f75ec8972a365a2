from __future__ import annotations

import csv
import io

from rm_portal.core.csv_export import csv_lines


def test_csv_has_a_bom_and_no_cell_runs_as_a_formula():
    text = "".join(csv_lines(["姓名", "备注"], [["=1+1", "+86 138"], ["-2", "@SUM(A1)"], [42, None]]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["姓名", "备注"], ["'=1+1", "'+86 138"], ["'-2", "'@SUM(A1)"], ["42", ""]]
