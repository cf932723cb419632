"""Every screen fits Telegram in every language, even with the longest answers allowed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.consent.notice import SAMPLE, NoticeFacts
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Screen
from bot.kernel.text import split_text
from bot.questionnaire import load
from bot.questionnaire.engine import Answers, Engine, InputError
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Submission
from bot.survey.screens import Screens

MESSAGE_LIMIT = 4096
ENGINE = Engine(load())
CATALOGS = Catalogs()
SUBMISSION = Submission(id=999_999_999, user_id=1, organisation_id=1, questionnaire_id="mso-needs",
                        questionnaire_version="1", started_at=datetime(2026, 11, 2, 18, 30, tzinfo=UTC),
                        completed_at=None, cursor=None)


def longest_answer(question: Question) -> Any:
    if question.type is QuestionType.MULTI:
        return [o.id for o in ENGINE.choices(question)]
    if question.type is QuestionType.TEXT:
        return "Ü" * (question.max_length or 3500)
    if question.type is QuestionType.NUMBER:
        return question.max_value or 10**9
    return ENGINE.choices(question)[-1].id


def longest_answers() -> Answers:
    answers: Answers = {}
    for _round in range(3):  # answers open up follow-up questions
        for question in ENGINE.visible(answers):
            answers.setdefault(question.id, longest_answer(question))
    return answers


# The longest the office could reasonably configure.
LONG_FACTS = NoticeFacts("Stadt Wuppertal, Ressort Zuwanderung und Integration, Ressort 204 – Zuwanderung und "
                         "Integration, Johannes-Rau-Platz 1, 42275 Wuppertal",
                         "Telefon 0202 563 0000, zuwanderung-und-integration@stadt.wuppertal.de",
                         "Behördliche Datenschutzbeauftragte der Stadt Wuppertal, datenschutz@stadt.wuppertal.de",
                         SAMPLE.authority, 3650, 3650)


def screens(language: str) -> list[Screen]:
    view = Screens(CATALOGS.translator(language), ENGINE, CATALOGS, LONG_FACTS)
    answers = longest_answers()
    notice = view.notice
    shown = [view.language_picker(language), view.consent(True, True, changed=True), notice.agreed(True, True),
             notice.full(), notice.overview(datetime(2026, 12, 1, tzinfo=UTC), UTC, True, False),
             view.intro(99, 999), view.welcome_back(SUBMISSION, 99, UTC), view.help(),
             view.thanks(), view.delete_question(), view.already_complete(), view.declined(), view.deleted()]
    for question in ENGINE.visible(answers):
        shown.append(view.question(SUBMISSION, question, answers, error=InputError("too_long", {"max": 3500})))
        shown.append(view.answered(question, answers[question.id]))
    return shown


@pytest.mark.parametrize("language", CATALOGS.languages)
def test_every_screen_fits_one_message(language: str) -> None:
    for screen in screens(language):
        assert len(screen.text) <= MESSAGE_LIMIT, screen.text[:80]
        for row in screen.buttons:
            assert len(row) <= 8
            for button in row:
                assert len(button.action.encode()) <= 64


@pytest.mark.parametrize("language", CATALOGS.languages)
def test_the_longest_summary_is_split_into_messages_that_fit(language: str) -> None:
    view = Screens(CATALOGS.translator(language), ENGINE, CATALOGS)
    summary = view.summary(SUBMISSION, longest_answers(), complete=True)
    pieces = split_text(summary.text, MESSAGE_LIMIT)
    assert all(len(p) <= MESSAGE_LIMIT for p in pieces)
    assert "".join(pieces).replace("\n", "") == summary.text.replace("\n", "")
    assert sum(len(row) for row in summary.buttons) <= 100  # Telegram's inline keyboard limit


@pytest.mark.parametrize("language", CATALOGS.languages)
def test_button_labels_stay_phone_sized(language: str) -> None:
    t = CATALOGS.translator(language)
    for _section, question in ENGINE.questionnaire.questions():
        for option in ENGINE.choices(question):
            label = t.gettext(option.label)
            assert len(label) <= max(40, 2 * len(option.label) + 10), (question.id, label)
