"""The committee's report (issue 29) on a generated two-round city: its sections, its figures
against the database, small-number protection (an attack by difference recovers nothing of
one rare association), reproducibility, and a PDF whose text can be read back."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.answers import _COMMENTS as COMMENTS
from bench.rounds import SECOND, two_rounds
from bot.cli import main
from bot.kernel.settings import Settings
from bot.partners.disclosure import rounded
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import StaffVoice, staff_voice
from bot.report.data import Association, ReportData, Scope
from bot.report.job import compose, read, render
from bot.report.model import SUPPRESSED, Report, Table
from bot.report.tables import Tables

NOW = datetime(2026, 11, 1, tzinfo=UTC)
GENERATED = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
SECTIONS = ["summary", "method", "associations", "needs", "districts", "change", "free_text", "offers",
            "uncovered", "recommendations"]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("report") / "city.sqlite3"
    settings = Settings(telegram_token=None, database=path, staff_ids=[4711], quiet_hours="",
                        _env_file=None)  # type: ignore[call-arg]
    asyncio.run(two_rounds(settings, 160, 3200, 30, seed=29, now=NOW))
    return settings


@pytest.fixture(scope="module")
def engine(city: Settings) -> Engine:
    return Engine(load(city.questionnaire))


@pytest.fixture(scope="module")
def data(city: Settings, engine: Engine) -> ReportData:
    return asyncio.run(read(city, engine, Scope()))


def voice(settings: Settings, engine: Engine) -> StaffVoice:
    return staff_voice(settings, engine)


def true_levels(path: Path, topic_question: str) -> Counter[str]:
    """Straight from the database: the second round's latest completed answer per association."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT a.value FROM answers a JOIN submissions s ON s.id = a.submission_id "
            "JOIN rounds r ON r.id = s.round_id WHERE r.name = ? AND a.question_id = ? AND s.completed_at IS NOT NULL "
            "AND s.id = (SELECT MAX(t.id) FROM submissions t WHERE t.user_id = s.user_id AND t.round_id = s.round_id "
            "AND t.completed_at IS NOT NULL)", (SECOND, topic_question)).fetchall()
    return Counter(json.loads(value) for (value,) in rows)


def test_the_report_has_every_section_in_german(city: Settings, engine: Engine, data: ReportData) -> None:
    report = compose(voice(city, engine), data, "# Vorschlag\n\n- Mehr Workshops zur Buchhaltung", GENERATED)
    assert [s.key for s in report.sections] == SECTIONS
    assert report.section("summary").title == "Zusammenfassung für den Rat"
    assert report.subtitle.startswith(f"Befragungsrunde „{SECOND}“")
    assert [b.text for b in report.section("recommendations").blocks] == ["Vorschlag", "Mehr Workshops zur Buchhaltung"]
    assert len(report.charts()) == 4 and all(spec.alt for spec in report.charts())


def test_needs_match_the_database_rounded_and_small_cells_hidden(city: Settings, engine: Engine,
                                                                 data: ReportData) -> None:
    matching = engine.questionnaire.matching
    assert matching is not None
    needs = Tables(data, engine).needs()
    hidden = 0
    for topic, question in matching.needs.items():
        truth = true_levels(city.database, question)
        for level in matching.intensity:
            shown = needs.cells[(topic, level)]
            if shown is None:
                hidden += 1
            else:
                assert truth[level] >= 3 and shown == rounded(truth[level]), (topic, level, truth[level], shown)
            if truth[level] < 3:
                assert shown is None, (topic, level)
        assert needs.row_totals[topic] == rounded(sum(truth.values()))
    district = Tables(data, engine).by("district")
    assert None in district.cells.values() and hidden >= 0
    for value in district.cells.values():
        assert value is None or value % 5 == 0


def rare(data: ReportData) -> tuple[ReportData, Association]:
    """The data without Cronenberg (everyone there moved to Elberfeld), trimmed to a multiple of
    five associations; and one association in Cronenberg, urgent in bookkeeping."""
    moved = [replace(a, answers={**a.answers, "district": "elberfeld"}) if a.answers.get("district") == "cronenberg"
             else a for a in data.associations]
    moved = moved[:len(moved) - len(moved) % 5]
    base = replace(data, associations=moved, previous=None)
    target = Association(user=1, language="tr", answers={**moved[0].answers, "district": "cronenberg",
                                                           "need_bookkeeping": "urgent"})
    return base, target


def district_tables(report: Report) -> list[Table]:
    return [b for s in report.sections for b in s.blocks if isinstance(b, Table) and "Stadtbezirk" in b.caption]


def candidates(before: Table, after: Table, column: int) -> set[str]:
    """The attacker's guess at the target's row: every row whose figure moved or is hidden."""
    return {new[0] for old, new in zip(before.rows, after.rows, strict=True)
            if new[0] != "Insgesamt" and (old[column] != new[column] or new[column] == SUPPRESSED)}


def test_one_association_cannot_be_recovered_by_difference(city: Settings, engine: Engine, data: ReportData) -> None:
    """The riskiest association: alone in its district, urgent in bookkeeping. Comparing the
    report with and without it leaves at least two districts it could be in, in every table and
    chart by district, and moves no total."""
    base, target = rare(data)
    without = compose(voice(city, engine), base, None, GENERATED)
    with_it = compose(voice(city, engine), replace(base, associations=[*base.associations, target]), None, GENERATED)
    before, after = district_tables(without), district_tables(with_it)
    assert len(after) == 2
    counts, needs = after
    assert len(candidates(before[0], counts, 1)) >= 2
    bookkeeping = needs.header.index("Buchhaltung und Finanzen")
    assert len(candidates(before[1], needs, bookkeeping)) >= 2
    for table in after:
        cronenberg = next(row for row in table.rows if row[0] == "Cronenberg")
        assert set(cronenberg[1:]) == {SUPPRESSED}
    assert before[0].rows[-1] == counts.rows[-1]  # the total does not move
    chart_before, chart_after = without.charts()[1], with_it.charts()[1]
    moved = [label for label, old, new in zip(chart_after.labels, chart_before.series[0][1], chart_after.series[0][1],
                                              strict=True) if old != new or new == 0]
    assert len(moved) >= 2 and "Cronenberg" in moved


def test_the_pdf_has_real_text_page_numbers_and_embedded_fonts(city: Settings, engine: Engine,
                                                               data: ReportData) -> None:
    report = compose(voice(city, engine), data, None, GENERATED)
    pdf = render(report, "pdf")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for section in report.sections:
        assert section.title in text
    assert "Inhalt" in text and f"Seite 2 von {len(reader.pages)}" in text
    assert "Öffentlichkeitsarbeit" in text or "Buchhaltung" in text  # German, umlauts intact
    flat = " ".join(text.split())
    for comment in COMMENTS:  # free text is counted in words, never quoted
        assert comment[:30] not in flat
    assert "Wiederkehrende Wörter" in flat
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVu" in f for f in fonts)
    assert reader.metadata is not None and reader.metadata["/CreationDate"].startswith(
        "D:" + data.data_time.astimezone(UTC).strftime("%Y%m%d"))


def test_the_same_data_give_the_same_bytes(city: Settings, engine: Engine, data: ReportData) -> None:
    first = render(compose(voice(city, engine), data, None, GENERATED), "pdf")
    again = render(compose(voice(city, engine), data, None, GENERATED), "pdf")
    assert first == again
    later = render(compose(voice(city, engine), data, None, GENERATED.replace(year=2027)), "pdf")
    assert later != first  # the "generated on" line; the document's date and id stay the data's
    assert PdfReader(io.BytesIO(later)).metadata == PdfReader(io.BytesIO(first)).metadata
    assert PdfReader(io.BytesIO(later)).trailer["/ID"] == PdfReader(io.BytesIO(first)).trailer["/ID"]
    html = render(compose(voice(city, engine), data, None, GENERATED), "html").decode()
    assert html.count('<img src="data:image/png;base64,') == 4 and 'alt=""' not in html


def test_a_span_of_days_covers_the_questionnaires_started_in_it(city: Settings, engine: Engine,
                                                               data: ReportData) -> None:
    second = asyncio.run(read(city, engine, Scope(start=NOW.date(), end=date(2026, 12, 31))))
    assert sorted(a.user for a in second.associations) == sorted(a.user for a in data.associations)
    assert second.previous is None and second.invited is None
    assert second.scope_label == "2026-11-01 – 2026-12-31"
    nothing = asyncio.run(read(city, engine, Scope(start=date(2030, 1, 1))))
    assert nothing.associations == []
    empty = render(compose(voice(city, engine), nothing, None, GENERATED), "pdf")  # an empty report still renders
    assert PdfReader(io.BytesIO(empty)).pages


def test_msobot_report_writes_the_pdf_for_a_round(city: Settings, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSOBOT_DATABASE", str(city.database))
    output = tmp_path / "bericht.pdf"
    assert main(["report", "--round", "2026", "--output", str(output)]) == 0
    text = PdfReader(output).pages[0].extract_text()
    assert "Befragungsrunde „2026“" in text
    assert main(["report", "--round", "1999", "--output", str(output)]) == 2
