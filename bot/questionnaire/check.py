"""What `msobot check` asks of the questionnaire besides its own file: a translation of every
text in every catalog (the command itself, which also opens the database, is `bot.cli.check`)."""

from __future__ import annotations

from bot.kernel.i18n import SOURCE_LANGUAGE, Catalogs
from bot.questionnaire import Problem, Questionnaire


def translation_problems(questionnaire: Questionnaire, catalogs: Catalogs, file: str) -> list[Problem]:
    """A questionnaire text with no translation in a language the bot offers."""
    found = []
    for code in catalogs.languages:
        if code == SOURCE_LANGUAGE:
            continue
        translator = catalogs.translator(code)
        for place, text in questionnaire.texts():
            if not translator.has(text):
                head = place.split(".")[0]
                question = head if head in _question_ids(questionnaire) else None
                found.append(Problem(file, question, f"missing {code} translation of {text!r} ({place})"))
    return found


def _question_ids(questionnaire: Questionnaire) -> set[str]:
    return {q.id for _s, q in questionnaire.questions()}
