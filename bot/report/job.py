"""Making the committee's report: read one snapshot, count and protect, word, draw, lay out.

All of it is CPU work of seconds at city scale, so the bot runs it as a job in a process of its
own (`bot.kernel.offload`: `report_job`); `msobot report` calls the same function."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.kernel.settings import Settings
from bot.questionnaire import load as load_questionnaire
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import StaffVoice, staff_voice
from bot.report.charts import draw
from bot.report.content import Writer
from bot.report.data import ReportData, ReportReader, Scope
from bot.report.html import render_html
from bot.report.model import Report
from bot.report.offers import Offers
from bot.report.pdf import render_pdf
from bot.report.tables import Tables
from bot.storage import Views, open_reader

PDF_TYPE = "application/pdf"


@dataclass(frozen=True)
class ReportRequest:
    scope: Scope = field(default_factory=Scope)
    notes: str | None = None  # Markdown: the recommendations
    format: str = "pdf"  # or html
    language: str | None = None  # the staff language when None


def compose(v: StaffVoice, data: ReportData, notes: str | None, generated: datetime) -> Report:
    """The document model: every section, worded in `v`'s language."""
    writer = Writer(v, data, Tables(data, v.engine))
    offers = Offers(writer)
    report = writer.title(generated)
    change = offers.change()
    report.sections = [writer.summary(), writer.method(), writer.associations(), writer.needs(), writer.places(),
                       *([change] if change else []), offers.free_text(), offers.offered(), offers.uncovered(),
                       offers.recommendations(notes)]
    return report


def render(report: Report, format_: str) -> bytes:
    images = [draw(spec) for spec in report.charts()]
    return render_html(report, images) if format_ == "html" else render_pdf(report, images)


async def read(settings: Settings, engine: Engine, scope: Scope) -> ReportData:
    store = await open_reader(settings.database, Views(engine.current, engine.current_id))
    try:
        return await ReportReader(store, engine, settings.tz).read(scope)
    finally:
        await store.close()


def report_job(settings: Settings, request: ReportRequest, generated: datetime) -> bytes:
    """The whole document as bytes; `generated` is the only input that is not data."""
    engine = Engine(load_questionnaire(settings.questionnaire))
    voice = staff_voice(settings, engine, request.language)
    data = asyncio.run(read(settings, engine, request.scope))
    return render(compose(voice, data, request.notes, generated), request.format)
