"""Button data: compact, within Telegram's 64 bytes, and never trusted."""

from __future__ import annotations

import pytest

from bot.kernel.actions import Action, Kind, parse
from bot.questionnaire import load
from bot.questionnaire.engine import Engine


def test_round_trip() -> None:
    action = Action(Kind.ANSWER, 123456789, "need_bookkeeping", "urgent")
    assert parse(action.encode()) == action
    assert parse(Action.language("ar").encode()) == Action(Kind.LANGUAGE, value="ar")
    assert parse(Action(Kind.CONFIRM, 7).encode()) == Action(Kind.CONFIRM, 7)


@pytest.mark.parametrize("data", [
    None, "", "Z:1:q:o", "A:1:q", "A:x:q:o", "A:1:q:o:extra", "A:1:Q!:o", "L", "F:1:q",
    "A:1:" + "q" * 70 + ":o", "A:-1:q:o", "T:1:q:ö",
])
def test_forged_or_broken_data_is_refused(data: str | None) -> None:
    assert parse(data) is None


def test_every_button_of_the_shipped_questionnaire_fits() -> None:
    engine = Engine(load())
    for _section, question in engine.questionnaire.questions():
        for option in engine.choices(question):
            data = Action(Kind.TOGGLE, 999_999_999, question.id, option.id).encode()
            assert len(data.encode()) <= 64


def test_overlong_data_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Action(Kind.ANSWER, 1, "q" * 40, "o" * 30).encode()
