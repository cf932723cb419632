"""The questionnaire's rules: what is shown, what comes next, which answers are accepted."""

from __future__ import annotations

import random
from datetime import UTC, datetime

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
    shown = ids(engine, {"communities": ["turkish", "other"], "need_areas": ["bookkeeping"],
                         "need_bookkeeping": "urgent", "status": "ev"})
    assert {"communities_other", "need_bookkeeping_details", "founded"} <= set(shown)
    assert "need_bookkeeping_details" not in ids(engine, {"need_areas": ["bookkeeping"], "need_bookkeeping": "some"})
    assert "founded" not in ids(engine, {"status": "founding"})


def test_the_level_is_asked_only_for_ticked_areas_and_what_exactly_only_for_big_or_urgent(engine: Engine) -> None:
    levels = {f"need_{t}" for t in ("pr", "projects", "bookkeeping", "organising", "funding", "law",
                                     "volunteers", "digital", "rooms")}
    assert not levels & set(ids(engine, {"need_areas": []}))
    answers = {"need_areas": ["pr", "law", "other"], "need_pr": "big", "need_law": "some"}
    shown = ids(engine, answers)
    assert levels & set(shown) == {"need_pr", "need_law"}
    assert "need_other" in shown  # "something else", in the association's words
    assert "need_pr_details" in shown and "need_law_details" not in shown


def test_advice_topics_are_pre_ticked_from_needs_rated_big_or_urgent(engine: Engine) -> None:
    topics = engine.question("professional_topics")
    assert topics is not None
    answers = {"need_areas": ["pr", "law", "rooms"], "need_pr": "urgent", "need_law": "some", "need_rooms": "big"}
    assert engine.preset(topics, answers) == ["pr", "rooms"]
    languages = engine.question("workshop_languages")
    assert languages is not None
    assert engine.preset(languages, {"communities": ["turkish", "balkan", "other"]}) == ["de", "tr"]


def test_networking_is_a_given_fact_and_never_asked(engine: Engine) -> None:
    assert all("network" not in q.id for q in engine.visible({"networking": "yes"}))
    assert "peer_contact" in ids(engine, {"networking": "yes"})
    assert "peer_contact" not in ids(engine, {"networking": "no"})
    assert "peer_contact" not in ids(engine, {})


def test_the_promised_range_is_the_shortest_and_a_long_path(engine: Engine) -> None:
    shortest, longest = engine.path_lengths()
    answers: dict[str, object] = {}
    while (question := engine.next_open(answers)) is not None:
        answers[question.id] = None if not question.required else \
            ([] if question.type is QuestionType.MULTI and question.min_choices == 0 else "x")
        if question.id == "status":
            answers["status"] = "founding"
        elif question.type in (QuestionType.SINGLE, QuestionType.YESNO, QuestionType.SCALE):
            answers[question.id] = "no" if question.type is QuestionType.YESNO else engine.choices(question)[0].id
        elif question.type is QuestionType.MULTI and answers[question.id] == "x":
            answers[question.id] = [engine.choices(question)[0].id]
    assert len(answers) == shortest < longest


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
    assert engine.ahead(district, plain) == len(engine.visible(plain)) - 2 - 1  # comments: on the summary
    assert engine.ahead(district, with_other) == engine.ahead(district, plain)  # only what is ahead counts
    first = engine.question("org_name")
    assert first is not None and engine.previous(first, {}) is None and engine.is_first(first)


def test_number_answers(engine: Engine) -> None:
    founded = engine.question("founded")
    assert founded is not None and founded.type is QuestionType.NUMBER
    assert engine.parse_text(founded, " 1998 ") == 1998
    assert engine.parse_text(founded, "١٩٩٨") == 1998  # Arabic-Indic digits
    assert engine.parse_text(founded, "۱۳۹۸") == InputError("too_small", {"min": 1900})  # Persian digits
    assert engine.parse_text(founded, "nineteen") == InputError("not_number")
    this_year = datetime.now(UTC).year
    assert engine.parse_text(founded, str(this_year)) == this_year
    assert engine.parse_text(founded, str(this_year + 1)) == InputError("too_large", {"max": this_year})
    assert engine.parse_text(founded, "19.5") == InputError("not_number")
    assert engine.parse_text(founded, "1998'de") == 1998  # Turkish: "in 1998"
    assert engine.parse_text(founded, "seit ١٩٩٨") == 1998
    assert engine.parse_text(founded, "1998 or 1999") == InputError("not_number")


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
