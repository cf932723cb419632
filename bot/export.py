"""Submissions as a table for the office: one row per submission, one column per question."""

from __future__ import annotations

import csv
import io
from datetime import tzinfo
from typing import Any, TextIO

from bot.engine import Engine
from bot.i18n import Translator
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Store


def readable_value(t: Translator, engine: Engine, question: Question, value: Any) -> str:
    """Readable in a spreadsheet: option labels in the staff language, lists joined by '; '."""
    if value is None:
        return ""
    if question.type is QuestionType.MULTI:
        return "; ".join(_label(t, engine, question, v) for v in value)
    if question.type in (QuestionType.TEXT, QuestionType.NUMBER):
        return str(value)
    return _label(t, engine, question, str(value))


def _label(t: Translator, engine: Engine, question: Question, option_id: str) -> str:
    option = engine.option(question, option_id)
    return t.gettext(option.label) if option else option_id


async def table(store: Store, engine: Engine, t: Translator, tz: tzinfo) -> list[list[str]]:
    _ = t.gettext
    questions = [q for _s, q in engine.questionnaire.questions()]
    header = [_("Submission"), _("Questionnaire version"), _("Language"), _("Started"),
              _("Completed"), _("Organisation")] + [_(q.text) for q in questions]
    rows = [header]
    for submission, user, organisation, answers in await store.export_rows():
        completed = submission.completed_at.astimezone(tz).isoformat(timespec="minutes") \
            if submission.completed_at else ""
        rows.append([
            str(submission.id), submission.questionnaire_version, user.language,
            submission.started_at.astimezone(tz).isoformat(timespec="minutes"), completed,
            organisation or "",
            *(readable_value(t, engine, q, answers.get(q.id)) for q in questions),
        ])
    return rows


def write_csv(rows: list[list[str]], out: TextIO) -> None:
    csv.writer(out).writerows(rows)


def xlsx_bytes(rows: list[list[str]], sheet_title: str) -> bytes:
    """The same table as a spreadsheet: bold frozen header, filters, readable column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:31]
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if cell.data_type == "f":  # free text that starts with "=": text, never a formula
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    if rows and rows[0]:
        sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(zip(*rows, strict=False), start=1):
        width = min(60, max(8, *(len(str(v)) for v in column[:200])))
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

