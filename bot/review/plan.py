"""The answers the gallery's scripted board members give: read from the questionnaire itself, so
that every question a condition hides is opened once, whatever file the office runs."""

from __future__ import annotations

from typing import Any

from bot.questionnaire.engine import Answers, Engine
from bot.questionnaire.model import Question, QuestionType

# What the scripted user types. Users type in any script; these stand for what they type.
ORGANISATION = "Brücke e.V."
CONTACT = "+49 202 563 0000"
FREE_TEXT = "Example text typed by the association"
YEAR = 2015


def wanted_values(engine: Engine) -> dict[str, list[str]]:
    """For each question that decides whether another is shown, the values that show it."""
    wanted: dict[str, list[str]] = {}
    for _section, question in engine.questionnaire.questions():
        for condition in question.conditions():
            values = wanted.setdefault(condition.question, [])
            values += [v for v in condition.values() if v not in values]
    return wanted


def revealing_answers(engine: Engine, strengths_all: bool = False) -> Answers:
    """An answer for every question that opens the questions depending on it; `strengths_all`:
    the association can share experience in every topic (the peer the gallery's user meets)."""
    wanted = wanted_values(engine)
    matching = engine.questionnaire.matching
    answers: Answers = {}
    for _section, question in engine.questionnaire.questions():
        answers[question.id] = _value(engine, question, wanted.get(question.id, []))
    if matching is not None:
        if matching.networking:
            answers[matching.networking] = "yes"
        strengths = engine.question(matching.strengths) if matching.strengths else None
        if strengths_all and strengths is not None:
            answers[strengths.id] = [o.id for o in engine.choices(strengths)]
    return answers


def _value(engine: Engine, question: Question, wanted: list[str]) -> Any:
    options = [o.id for o in engine.choices(question)]
    if question.type is QuestionType.MULTI:
        chosen = [o for o in options if o in wanted] or options[:1]
        low = question.min_choices or 1
        chosen += [o for o in options if o not in chosen][:max(0, low - len(chosen))]
        if question.max_choices is not None:
            chosen = chosen[:question.max_choices]
        return [o for o in options if o in chosen]
    if question.type in (QuestionType.SINGLE, QuestionType.SCALE, QuestionType.YESNO):
        return next((v for v in wanted if v in options), options[0] if options else None)
    if question.type is QuestionType.NUMBER:
        low = question.min_value if question.min_value is not None else YEAR
        high = question.highest() or YEAR
        return min(max(YEAR, low), high)
    matching = engine.questionnaire.matching
    if question.id == engine.questionnaire.organisation_name:
        text = ORGANISATION
    elif matching is not None and question.id == matching.contact:
        text = CONTACT
    else:
        text = FREE_TEXT
    return fitted(question, text)


def fitted(question: Question, text: str) -> str:
    """The text within the question's length limits."""
    if question.min_length and len(text) < question.min_length:
        text = text + "." * (question.min_length - len(text))
    return text[:question.max_length] if question.max_length else text


def skipped(engine: Engine) -> list[str]:
    """The optional questions the gallery's user skips: the contact for introductions, so that
    the bot asks for it when they want to get in touch (asked only with networking on), and the
    founding year, so that the summary shows a skipped answer."""
    matching = engine.questionnaire.matching
    candidates = [matching.contact if matching and matching.contact else None, "founded"]
    return [q.id for c in candidates if c and (q := engine.question(c)) is not None and not q.required]
