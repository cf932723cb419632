"""Submissions as a table for the office: one row per submission, one column per question."""

from __future__ import annotations

import csv
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.engine import Engine
from bot.i18n import Translator
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Store


def _cell(t: Translator, engine: Engine, question: Question, value: Any) -> str:
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


async def table(store: Store, engine: Engine, t: Translator, tz: ZoneInfo) -> list[list[str]]:
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
            *(_cell(t, engine, q, answers.get(q.id)) for q in questions),
        ])
    return rows


def write_csv(rows: list[list[str]], out: TextIO) -> None:
    csv.writer(out).writerows(rows)
