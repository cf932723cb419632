"""The questionnaire's rules: what is shown, what comes next, which answers are accepted."""

from __future__ import annotations

import random

import pytest

from bot.questionnaire import Questionnaire, load
from bot.questionnaire.engine import Engine, InputError
from bot.questionnaire.model import QuestionType


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load())


def ids(engine: Engine, answers: dict[str, object]) -> list[str]:
    return [q.id for q in engine.visible(answers)]


def test_follow_ups_appear_only_for_matching_answers(engine: Engine) -> None:
    base = ids(engine, {})
    assert "communities_other" not in base and "need_bookkeeping_details" not in base
    assert "founded" not in base  # depends on the status, not yet answered
    shown = ids(engine, {"communities": ["turkish", "other"], "need_bookkeeping": "urgent", "status": "ev"})
    assert {"communities_other", "need_bookkeeping_details", "founded"} <= set(shown)
    assert "need_bookkeeping_details" not in ids(engine, {"need_bookkeeping": "some"})
    assert "founded" not in ids(engine, {"status": "founding"})


def test_next_open_skips_answered_and_hidden_questions(engine: Engine) -> None:
    first = engine.next_open({})
    assert first is not None and first.id == "org_name"
    answers = {"org_name": "X", "communities": ["kurdish"]}
    following = engine.next_open(answers)
    assert following is not None and following.id == "district"  # no "other" follow-up


def test_skipped_answers_count_as_answered(engine: Engine) -> None:
    answers = {"org_name": "X", "communities": ["other"], "communities_other": None}
    following = engine.next_open(answers)
    assert following is not None and following.id == "district"


def test_previous_and_progress_follow_the_visible_path(engine: Engine) -> None:
    district = engine.question("district")
    assert district is not None
    plain = {"org_name": "X", "communities": ["kurdish"]}
    previous = engine.previous(district, plain)
    assert previous is not None and previous.id == "communities"
    with_other = {"org_name": "X", "communities": ["other"], "communities_other": "Roma"}
    previous = engine.previous(district, with_other)
    assert previous is not None and previous.id == "communities_other"
    assert engine.progress(district, plain) == (3, len(engine.visible(plain)))
    assert engine.progress(district, with_other)[0] == 4
    first = engine.question("org_name")
    assert first is not None and engine.previous(first, {}) is None and engine.is_first(first)


def test_number_answers(engine: Engine) -> None:
    founded = engine.question("founded")
    assert founded is not None and founded.type is QuestionType.NUMBER
    assert engine.parse_text(founded, " 1998 ") == 1998
    assert engine.parse_text(founded, "١٩٩٨") == 1998  # Arabic-Indic digits
    assert engine.parse_text(founded, "۱۳۹۸") == InputError("too_small", {"min": 1900})  # Persian digits
    assert engine.parse_text(founded, "nineteen") == InputError("not_number")
    assert engine.parse_text(founded, "3000") == InputError("too_large", {"max": 2100})
    assert engine.parse_text(founded, "19.5") == InputError("not_number")


def test_text_answers_respect_length_limits(engine: Engine) -> None:
    name = engine.question("org_name")
    assert name is not None
    assert engine.parse_text(name, "  Verein  ") == "Verein"
    assert engine.parse_text(name, "A") == InputError("too_short", {"min": 2})
    assert engine.parse_text(name, "   ") == InputError("empty")
    too_long = engine.parse_text(name, "x" * 151)
    assert isinstance(too_long, InputError) and too_long.code == "too_long"


def test_selection_limits(engine: Engine) -> None:
    communities = engine.question("communities")
    strengths = engine.question("strengths")
    assert communities is not None and strengths is not None
    assert engine.check_selection(communities, []) == InputError("too_few", {"min": 1})
    assert engine.check_selection(communities, ["turkish"]) is None
    assert engine.check_selection(communities, ["martian"]) == InputError("unknown_option")
    assert engine.check_selection(strengths, []) is None  # optional: an empty choice is fine


def test_max_choices() -> None:
    questionnaire = Questionnaire.model_validate({
        "id": "t", "version": "1", "title": "T",
        "sections": [{"id": "s", "title": "S", "questions": [
            {"id": "q", "type": "multi", "text": "Q", "max_choices": 2,
             "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}]},
        ]}]})
    engine = Engine(questionnaire)
    question = engine.question("q")
    assert question is not None
    assert engine.check_selection(question, ["a", "b", "c"]) == InputError("too_many", {"max": 2})
    assert engine.check_selection(question, ["a", "c"]) is None


def test_stored_values_are_checked_against_the_current_file(engine: Engine) -> None:
    district = engine.question("district")
    comments = engine.question("comments")
    assert district is not None and comments is not None
    assert engine.is_answer_valid(district, "barmen")
    assert not engine.is_answer_valid(district, "atlantis")
    assert not engine.is_answer_valid(district, None)  # required
    assert engine.is_answer_valid(comments, None)  # optional, skipped


def test_names_and_contacts_are_one_clean_line_and_free_texts_keep_their_lines() -> None:
    engine = Engine(load())
    spoof = "Verein\u202e e.V.\n\n✅ Stadt Wuppertal (offiziell):\u200b Rückruf an +49 202\u2066"
    name = engine.question("org_name")
    assert name is not None and name.single_line
    assert engine.parse_text(name, spoof) == "Verein e.V. ✅ Stadt Wuppertal (offiziell): Rückruf an +49 202"
    comments = engine.question("comments")
    assert comments is not None and not comments.single_line
    assert engine.parse_text(comments, "Zeile 1\r\nZeile\u202e 2\u200c\x07") == "Zeile 1\nZeile 2\u200c"
    year = engine.question("founded")
    assert year is not None
    for typed in ("--1990", "1e5", "19 90 1", "+-1990", "1990.5"):
        assert isinstance(engine.parse_text(year, typed), InputError), typed  # politely refused, never raised
    assert engine.parse_text(year, "١٩٩٠") == 1990


def test_one_users_text_is_isolated_wherever_another_reads_it() -> None:
    from bot.kernel.text import FSI, PDI, isolated
    assert isolated("\u202eevil") == f"{FSI}\u202eevil{PDI}"
    assert isolated(f"a{PDI}b{FSI}") == f"{FSI}ab{PDI}"  # it cannot close its own isolate early


def test_remembered_visibility_is_the_visibility_worked_out_afresh(engine: Engine) -> None:
    """`visible` keeps what it worked out per combination of deciding answers: whatever the
    answers, in whatever order they come, it shows what the rules show."""
    rng = random.Random(5)
    fresh = Engine(engine.questionnaire)
    questions = [q for _s, q in engine.questionnaire.questions()]
    for _ in range(3000):
        answers: dict[str, object] = {}
        for question in rng.sample(questions, rng.randrange(len(questions))):
            options = [o.id for o in engine.choices(question)] or ["x"]
            answers[question.id] = (rng.sample(options, rng.randrange(len(options) + 1))
                                    if question.type is QuestionType.MULTI else rng.choice([*options, None]))
        expected = [q.id for q in fresh._visible(answers)]
        assert ids(fresh, answers) == expected
        assert ids(fresh, answers) == expected  # the second time from what was kept
    assert ids(fresh, {"status": [["unhashable"]]}) == [q.id for q in fresh._visible({"status": [["unhashable"]]})]
