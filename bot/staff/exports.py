"""Submissions as a table for the office: one row per submission, one column per question;
as CSV and as an Excel file (`/export`, `msobot export`)."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from bot.kernel.i18n import Translator
from bot.kernel.outcome import Document
from bot.kernel.settings import Settings
from bot.questionnaire import load as load_questionnaire
from bot.questionnaire.engine import Engine
from bot.questionnaire.readable import readable_value
from bot.questionnaire.staff_voice import StaffVoice, staff_voice
from bot.questionnaire.versions import Definition, Shape
from bot.storage import Store, Submission, Views, open_reader
from bot.storage.staff import StaffStore
from bot.storage.versions import VersionStore

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportData:
    """What the table is made of, read in one snapshot."""

    earlier: list[Definition]
    rows: list[tuple[Submission, str, str | None, dict[str, Any]]]
    erasures: int = 0  # as of the snapshot (bot.storage.erasure)


async def load(store: Store, questionnaire_id: str) -> ExportData:
    """The reading, on the read connection: the bot's writes go on meanwhile."""
    async with store.snapshot() as reader:
        earlier = await VersionStore(reader).all(questionnaire_id)
        return ExportData(earlier, await StaffStore(reader).export_rows(), await reader.erasures())


def build(voice: StaffVoice, data: ExportData) -> list[list[str]]:
    """One column per question across versions: the current ones (answers given under an
    earlier id of a renamed question in its column), then those that earlier versions had and
    this one dropped, with the version each submission was started on in its own column.
    Headers in the staff language; questions and answers as the questionnaire words them. Plain
    CPU work: run it in a thread."""
    _, q, engine, tz = voice.t.gettext, voice.questions, voice.engine, voice.tz
    questions = [question for _s, question in engine.questionnaire.questions()]
    dropped = _dropped(engine, data.earlier)
    header = [_("Submission"), _("Questionnaire version"), _("Language"), _("Started"),
              _("Completed"), _("Organisation")] + [q.gettext(question.text) for question in questions] + \
             [f"{q.gettext(shape.text)} ({_('Questionnaire version')} {version})" for _id, shape, version in dropped]
    rows = [header]
    for submission, language, organisation, stored in data.rows:
        answers = engine.current(stored)
        completed = submission.completed_at.astimezone(tz).isoformat(timespec="minutes") \
            if submission.completed_at else ""
        rows.append([
            str(submission.id), submission.questionnaire_version, language,
            submission.started_at.astimezone(tz).isoformat(timespec="minutes"), completed,
            organisation or "",
            *(readable_value(q, engine, question, answers.get(question.id)) for question in questions),
            *(_dropped_value(q, shape, stored.get(question_id)) for question_id, shape, _v in dropped),
        ])
    return rows


async def table(store: Store, voice: StaffVoice) -> list[list[str]]:
    """`load`, then `build` in a thread: the table without stalling the bot."""
    data = await load(store, voice.engine.questionnaire.id)
    return await asyncio.to_thread(build, voice, data)


def sheet_title(voice: StaffVoice) -> str:
    return voice.t.gettext("Submissions")


@dataclass(frozen=True)
class ExportFiles:
    csv: bytes
    xlsx: bytes
    count: int  # submissions
    erasures: int = 0  # as of the snapshot it was built from: out of date after a later erasure

    def documents(self, voice: StaffVoice, now: datetime) -> list[Document]:
        """The two files staff get for /export."""
        stamp = now.astimezone(voice.tz).strftime("%Y-%m-%d")
        caption = voice.t.ngettext("{count} submission", "{count} submissions", self.count).format(
            count=voice.n(self.count))
        return [Document(filename=f"mso-bedarfe-{stamp}.csv", content=self.csv, caption=caption, mime_type="text/csv"),
                Document(filename=f"mso-bedarfe-{stamp}.xlsx", content=self.xlsx, caption=caption,
                         mime_type=XLSX_TYPE)]


def files(rows: list[list[str]], title: str, erasures: int = 0) -> ExportFiles:
    text = io.StringIO()
    write_csv(rows, text)
    return ExportFiles(text.getvalue().encode("utf-8-sig"), xlsx_bytes(rows, title), len(rows) - 1, erasures)


def export_job(settings: Settings) -> ExportFiles:
    """/export as a job in its own process (`bot.kernel.offload`): reading a snapshot of the
    database, the table and both files are seconds of CPU at city scale, none of it the bot's."""
    return asyncio.run(_export(settings))


async def _export(settings: Settings) -> ExportFiles:
    engine = Engine(load_questionnaire(settings.questionnaire))
    voice = staff_voice(settings, engine)
    store = await open_reader(settings.database, Views(engine.current, engine.current_id))
    try:
        data = await load(store, engine.questionnaire.id)
    finally:
        await store.close()
    return files(build(voice, data), sheet_title(voice), data.erasures)


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
    """Every cell that a spreadsheet would read as a formula starts with an apostrophe (OWASP's
    rule for CSV injection): `=HYPERLINK(...)` in an answer stays text."""
    csv.writer(out).writerows([[_inert(cell) for cell in row] for row in rows])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def xlsx_bytes(rows: list[list[str]], sheet_title: str) -> bytes:
    """The same table as a spreadsheet: bold frozen header, filters, readable column widths."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:31]
    for row in rows:  # characters a spreadsheet cannot hold are left out, not a failed export
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
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

