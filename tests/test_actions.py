"""Button data: compact, within Telegram's 64 bytes, and never trusted."""

from __future__ import annotations

import pytest

from bot.kernel.actions import (
    Action,
    ContactDeleteTap,
    IntroTap,
    JoinTap,
    Kind,
    OfficeReplyTap,
    RequestAnswerTap,
    StaffTap,
    SuggestionTap,
    parse,
)
from bot.kernel.routes import button_key
from bot.questionnaire import load
from bot.questionnaire.engine import Engine


def test_round_trip() -> None:
    action = Action(Kind.ANSWER, 123456789, "need_bookkeeping", "urgent")
    assert parse(action.encode()) == action
    assert parse(Action.language("ar").encode()) == Action(Kind.LANGUAGE, value="ar")
    assert parse(Action(Kind.CONFIRM, 7).encode()) == Action(Kind.CONFIRM, 7)


# What buttons already in people's chats carry: each capability's codec reads it as before.
SENT_BEFORE = {
    "G:41:i": SuggestionTap(41, "i"), "G:41:n": SuggestionTap(41, "n"), "G:41:c": SuggestionTap(41, "c"),
    "G:41:u": SuggestionTap(41, "u"), "I:9:a": IntroTap(9, True), "I:9:d": IntroTap(9, False),
    "Z:msos:2": StaffTap("msos", "2"), "Z:proposal:a5": StaffTap("proposal", "a5"), "Z:try:go": StaffTap("try", "go"),
    "Z:aud:all": StaffTap("aud", "all"), "Q:a12": RequestAnswerTap(12, True), "Q:d12": RequestAnswerTap(12, False),
    "Q:y0123456789abcdef": JoinTap("0123456789abcdef"), "Q:n": JoinTap(None), "Q:x": ContactDeleteTap(True),
    "Q:k": ContactDeleteTap(False), "M:r77": OfficeReplyTap(77),
}


@pytest.mark.parametrize("data", sorted(SENT_BEFORE))
def test_each_capability_reads_its_own_buttons_and_writes_them_as_before(data: str) -> None:
    tap = SENT_BEFORE[data]
    assert parse(data) == tap
    assert tap.encode() == data


def test_each_button_names_its_route() -> None:
    keys = {data: button_key(data) for data in SENT_BEFORE}
    assert keys["Z:msos:2"] == "button Z:msos" and keys["Z:aud:all"] == "button Z:step"
    assert keys["Q:a12"] == keys["Q:d12"] == "button Q:answer"
    assert keys["Q:n"] == keys["Q:y0123456789abcdef"] == "button Q:join"
    assert keys["Q:x"] == "button Q:delete" and keys["G:41:i"] == "button G" and keys["M:r77"] == "button M"


@pytest.mark.parametrize("data", [
    None, "", "Z:1:q:o", "G:41:x", "G:x:i", "G:41", "I:9:y", "Q:a", "Q:ax", "Q:z1", "Q:", "M:r", "M:x7", "M:r7:1",
    "Z:msos", "Z:Msos:2", "A:1:q", "A:x:q:o", "A:1:q:o:extra", "A:1:Q!:o", "L", "F:1:q",
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
