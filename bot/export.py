"""Submissions as a table for the office: one row per submission, one column per question."""

from __future__ import annotations

import csv
import io
from datetime import tzinfo
from typing import Any, TextIO

from bot.engine import Engine
from bot.i18n import Translator
from bot.questionnaire.model import Question, QuestionType
from bot.questionnaire.versions import Definition, Shape
from bot.storage import Store
from bot.storage.versions import VersionStore


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
    """One column per question across versions: the current ones (answers given under an
    earlier id of a renamed question in its column), then those that earlier versions had and
    this one dropped, with the version each submission was started on in its own column."""
    _ = t.gettext
    questions = [q for _s, q in engine.questionnaire.questions()]
    dropped = _dropped(engine, await VersionStore(store).all(engine.questionnaire.id))
    header = [_("Submission"), _("Questionnaire version"), _("Language"), _("Started"),
              _("Completed"), _("Organisation")] + [_(q.text) for q in questions] + \
             [f"{_(shape.text)} ({_('Questionnaire version')} {version})" for _id, shape, version in dropped]
    rows = [header]
    for submission, user, organisation, stored in await store.export_rows():
        answers = engine.current(stored)
        completed = submission.completed_at.astimezone(tz).isoformat(timespec="minutes") \
            if submission.completed_at else ""
        rows.append([
            str(submission.id), submission.questionnaire_version, user.language,
            submission.started_at.astimezone(tz).isoformat(timespec="minutes"), completed,
            organisation or "",
            *(readable_value(t, engine, q, answers.get(q.id)) for q in questions),
            *(_dropped_value(t, shape, stored.get(question_id)) for question_id, shape, _v in dropped),
        ])
    return rows


def _dropped(engine: Engine, earlier: list[Definition]) -> list[tuple[str, Shape, str]]:
    """Questions of earlier versions this one neither has nor reads (renamed_from), once each,
    as the last version that had them describes them."""
    found: dict[str, tuple[str, Shape, str]] = {}
    for definition in earlier:
        for question_id, shape in definition.questions.items():
            if engine.current_id(question_id) is None:
                found[question_id] = (question_id, shape, definition.version)
    return list(found.values())


def _dropped_value(t: Translator, shape: Shape, value: Any) -> str:
    if value is None:
        return ""
    values = value if isinstance(value, list) else [value]
    return "; ".join(t.gettext(shape.labels[v]) if isinstance(v, str) and v in shape.labels else str(v)
                     for v in values)


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

