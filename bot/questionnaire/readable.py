"""An answer as plain text a person can read: option labels in a language, lists joined by
'; ' (the office's export and a user's own data both show answers this way)."""

from __future__ import annotations

from typing import Any

from bot.kernel.i18n import Translator
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Question, QuestionType


def readable_value(t: Translator, engine: Engine, question: Question, value: Any) -> str:
    """Empty for a skipped answer; a text or number as given; option ids as their labels."""
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
