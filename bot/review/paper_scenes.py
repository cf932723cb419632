"""The office's documents in the gallery (issue 30): the committee's needs report (`/report`,
`msobot report`) and the record of processing activities (`msobot privacy record`), made by the
real code from the gallery's database and shown as text, so a reviewer reads every sentence,
table and chart label of them in the staff language.

The report is composed from the data as `/report` composes it; its layout here is plain text
(headings, paragraphs, tables row by row, and what a chart says: its title, axis, series and
the figures in words). Two reports: the latest round (with the change against the one before)
with the office's recommendations, and the answers of a period, without them."""

from __future__ import annotations

from datetime import timedelta

from bot.report.data import Scope
from bot.report.job import compose, read
from bot.report.model import Chart, Report, Table, Text
from bot.review.stage import Stage
from bot.staff.record import record

NOTES = "(The office's recommendations, as staff wrote them in a Markdown file for `msobot report --notes`.)"


async def empty_report(s: Stage) -> None:
    """The report before any round: all answers so far, none of them recurring."""
    voice = s.services.staff.context.voice
    data = await read(s.services.settings, s.services.engine, Scope())
    s.keep("document", "the needs report for the committee (PDF) before any survey round: its text",
           text(compose(voice, data, None, s.clock.now)))


async def documents(s: Stage) -> None:
    voice = s.services.staff.context.voice
    settings, engine = s.services.settings, s.services.engine
    now = s.clock.now
    for scope, notes, title in (
            (Scope(), NOTES, "the latest survey round, with the office's recommendations"),
            (Scope(start=(now - timedelta(days=400)).date(), end=now.date()), None,
             "the answers of a period (msobot report --from … --to …), without recommendations")):
        data = await read(settings, engine, scope)
        report = compose(voice, data, notes, now)
        s.keep("document", f"the needs report for the committee (PDF), {title}: its text", text(report))
    s.keep("document", "the record of processing activities (Art. 30 GDPR): msobot privacy record",
           record(voice.t, settings, now.date()))


def text(report: Report) -> str:
    """The report's words in reading order, as the PDF lays them out."""
    lines = [report.title, report.subtitle, report.generated, "", report.contents_title]
    lines += [f"{number}. {section.title}" for number, section in enumerate(report.sections, 1)]
    for number, section in enumerate(report.sections, 1):
        lines += ["", f"{number}. {section.title}"]
        for block in section.blocks:
            if isinstance(block, Text):
                lines.append({"h": "", "li": "• "}.get(block.kind, "") + block.text)
            elif isinstance(block, Table):
                lines += [f"[{block.caption}]", " | ".join(block.header)]
                lines += [" | ".join(row) for row in block.rows]
                lines += [block.note] if block.note else []
            elif isinstance(block, Chart):
                spec = block.spec
                lines += [f"[{spec.title}: {spec.axis}; {', '.join(name for name, _values in spec.series)}]",
                          spec.alt]
    lines += ["", report.page_label.format(page=1, pages=1)]
    return "\n".join(lines)
