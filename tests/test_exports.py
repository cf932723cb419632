"""Exports are safe to open: no cell becomes a formula, and no character breaks the file."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bot.staff.exports import write_csv, xlsx_bytes

HOSTILE = [
    ["Organisation", "Answer"],
    ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0"],
    ["@SUM(1+1)*cmd|' /C calc'!A0", "-2+3"],
    ["\tindented", "\rreturn"],
    ["plain \u0007 bell and \u001b escape", "fine"],
]


def test_csv_cells_that_would_be_formulas_start_with_an_apostrophe() -> None:
    out = io.StringIO()
    write_csv(HOSTILE, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["Organisation", "Answer"]
    for row in rows[1:4]:
        assert all(cell.startswith("'") for cell in row), row
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"click\")"  # the text itself is kept
    assert rows[4] == ["plain \u0007 bell and \u001b escape", "fine"]


def test_xlsx_keeps_formula_like_text_as_text_and_drops_what_it_cannot_hold() -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes(HOSTILE, "Einsendungen"))).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for row in cells for c in row)
    assert cells[0][0].value == "=HYPERLINK(\"http://evil.example\",\"click\")"
    assert cells[3][0].value == "plain  bell and  escape"  # the export did not fail
