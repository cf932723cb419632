"""The questionnaire's rules over a set of answers: what is shown, what comes next, what is valid.

Pure functions of the questionnaire and the answers, so every path can be unit-tested and the
same rules serve Telegram, the console and the export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.kernel.text import clean_line, clean_text
from bot.questionnaire.model import Condition, Matching, Option, Question, Questionnaire, QuestionType, Section

Answers = dict[str, Any]  # question id -> value; None means skipped
SHOWN_REMEMBERED = 4096  # combinations of deciding answers whose visible questions are kept
_NUMBER = re.compile(r"-?[0-9]{1,15}")  # ASCII digits after the conversion above; no "--", no exponent
_DIGITS = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"[-+.,][0-9]")  # a sign or a decimal point before the digits: not a plain year


@dataclass(frozen=True)
class InputError:
    """Why an answer was refused; rendered in the user's language by the screens."""

    code: str
    params: dict[str, int] = field(default_factory=dict)


class Engine:
    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self._order: list[tuple[Section, Question]] = list(questionnaire.questions())
        self._by_id = {q.id: (s, q) for s, q in self._order}
        self._choices = {q.id: questionnaire.choices(q) for _s, q in self._order}
        # Earlier ids (renamed_from) -> current ones: stored answers keep the ids they were given.
        self._renamed = {old: q.id for _s, q in self._order for old in q.renamed_from}
        self._option_renamed = {q.id: {old: o.id for o in self._choices[q.id] for old in o.renamed_from}
                                for _s, q in self._order}
        self._earlier = {q.id: list(q.renamed_from) for _s, q in self._order if q.renamed_from}
        self._any_renamed = bool(self._renamed) or any(self._option_renamed.values())
        self._conditions = [(q, q.conditions()) for _s, q in self._order]
        # Which questions are shown depends only on the answers to the questions conditions
        # name: the same few combinations come again and again, so each is worked out once.
        self._deciding = sorted({c.question for _q, conditions in self._conditions for c in conditions})
        self._shown: dict[tuple[Any, ...], tuple[Question, ...]] = {}
        self._given = frozenset(questionnaire.given)
        self._lengths: tuple[int, int] | None = None

    # -- structure -------------------------------------------------------------------------

    def matching(self) -> Matching:
        """The questionnaire's `matching:` block, which suggestions, the digest and the report
        read; a questionnaire without one cannot serve them."""
        matching = self.questionnaire.matching
        if matching is None:
            raise ValueError("the questionnaire has no 'matching:' block")
        return matching

    def question(self, question_id: str) -> Question | None:
        found = self._by_id.get(question_id)
        return found[1] if found else None

    def section_of(self, question: Question) -> Section:
        return self._by_id[question.id][0]

    def choices(self, question: Question) -> list[Option]:
        return self._choices[question.id]

    def option(self, question: Question, option_id: str) -> Option | None:
        return next((o for o in self._choices[question.id] if o.id == option_id), None)

    # -- versions --------------------------------------------------------------------------

    def current_id(self, question_id: str | None) -> str | None:
        """The question an id stored by any version is now; None when it was dropped."""
        if question_id is None or question_id in self._by_id:
            return question_id
        return self._renamed.get(question_id)

    def current(self, stored: Answers) -> Answers:
        """Stored answers (of any version) as this version reads them: renamed questions and
        options under their new ids, dropped questions left out (they stay in the database).
        An answer given under the current id wins over one kept under an earlier id. (Values
        need no check: `msobot check` refuses a version that cannot read a stored option.)"""
        if not self._any_renamed:
            return {q: v for q, v in stored.items() if q in self._by_id}
        result: Answers = {}
        for question_id, value in sorted(stored.items(), key=lambda item: item[0] in self._by_id):
            current = self.current_id(question_id)
            if current is not None:
                result[current] = self._current_value(current, value)
        return result

    def stored_ids(self, question_ids: Iterable[str]) -> list[str]:
        """The ids answers to these questions may be stored under: theirs and earlier ones."""
        return sorted({i for q in question_ids for i in (q, *self._earlier.get(q, ()))})

    def stored_options(self, question_id: str, option_ids: Iterable[str]) -> list[str]:
        """The option ids stored answers may hold for these options: theirs and earlier ones."""
        earlier = {new: [old for old, n in self._option_renamed.get(question_id, {}).items() if n == new]
                   for new in option_ids}
        return sorted({i for o, olds in earlier.items() for i in (o, *olds)})

    def _current_value(self, question_id: str, value: Any) -> Any:
        renamed = self._option_renamed[question_id]
        if not renamed:
            return value
        if isinstance(value, list):
            return list(dict.fromkeys(renamed.get(v, v) for v in value))
        return renamed.get(value, value) if isinstance(value, str) else value

    # -- flow ------------------------------------------------------------------------------

    def visible(self, answers: Answers) -> list[Question]:
        try:
            key = tuple(_hashable(answers.get(question_id)) for question_id in self._deciding)
            shown = self._shown.get(key)
        except TypeError:  # an answer of a shape no question stores: work it out, keep nothing
            return self._visible(answers)
        if shown is None:
            if len(self._shown) >= SHOWN_REMEMBERED:
                self._shown.clear()
            shown = self._shown[key] = tuple(self._visible(answers))
        return list(shown)

    def _visible(self, answers: Answers) -> list[Question]:
        shown: list[Question] = []
        shown_ids: set[str] = set()
        for question, conditions in self._conditions:
            if all(self._holds(c, answers, shown_ids) for c in conditions):
                shown.append(question)
                shown_ids.add(question.id)
        return shown

    def _holds(self, condition: Condition, answers: Answers, shown: set[str]) -> bool:
        if condition.question in self._given:  # a fact the bot supplies ("yes"/"no")
            return answers.get(condition.question) in condition.values()
        if condition.question not in shown:
            return False
        value = answers.get(condition.question)
        if condition.includes is not None:
            return isinstance(value, list) and condition.includes in value
        return value in condition.values()

    def is_visible(self, question: Question, answers: Answers) -> bool:
        return any(q.id == question.id for q in self.visible(answers))

    def next_open(self, answers: Answers) -> Question | None:
        """The next question to ask; questions offered on the summary (`at_summary`) are not asked."""
        return next((q for q in self.visible(answers) if q.id not in answers and not q.at_summary), None)

    def at_summary(self, answers: Answers) -> list[Question]:
        return [q for q in self.visible(answers) if q.at_summary]

    def previous(self, question: Question, answers: Answers) -> Question | None:
        shown = self.visible(answers)
        ids = [q.id for q in shown]
        if question.id not in ids:
            return None
        index = ids.index(question.id)
        return shown[index - 1] if index > 0 else None

    def is_first(self, question: Question) -> bool:
        return bool(self._order) and self._order[0][1].id == question.id

    def ahead(self, question: Question, answers: Answers) -> int:
        """How many questions are still to answer on the path the answers so far open, this
        one included (questions already answered are not counted again)."""
        return 1 + sum(1 for q in self.visible(answers)
                       if q.id not in answers and q.id != question.id and not q.at_summary)

    def share_done(self, question: Question, answers: Answers) -> float:
        """The share of this path answered (0..1): what is behind against what is ahead. It may
        shrink when an answer opens follow-up questions; the screens never show it shrink."""
        behind = sum(1 for q in self.visible(answers)
                     if q.id in answers and q.id != question.id and not q.at_summary)
        return behind / (behind + self.ahead(question, answers))

    def path_lengths(self) -> tuple[int, int]:
        """(shortest, long): how many questions an association answers when its answers open no
        follow-up question, and when they open many (two thirds of each list ticked, every
        choice the one that opens most). Given facts stay unknown: their questions are extra."""
        if self._lengths is None:
            self._lengths = self._walk(self._fewest), self._walk(self._most)
        return self._lengths

    def _walk(self, choose: Any) -> int:
        answers: Answers = {}
        while (question := self.next_open(answers)) is not None:
            answers[question.id] = choose(question, answers)
        return len(answers)

    def _named(self) -> dict[str, set[str]]:
        named: dict[str, set[str]] = {}
        for _q, conditions in self._conditions:
            for condition in conditions:
                named.setdefault(condition.question, set()).update(condition.values())
        return named

    def _fewest(self, question: Question, answers: Answers) -> Any:
        options = self._choices[question.id]
        if not options:
            return question.min_value if question.type is QuestionType.NUMBER else "x"
        quiet = [o.id for o in options if o.id not in self._named().get(question.id, set())] or [options[0].id]
        if question.type is QuestionType.MULTI:
            low = question.min_choices if question.min_choices is not None else 1
            return quiet[:low]
        return quiet[0]

    def _most(self, question: Question, answers: Answers) -> Any:
        options = self._choices[question.id]
        if not options:
            return question.min_value if question.type is QuestionType.NUMBER else "x"
        if question.type is QuestionType.MULTI:
            return [o.id for o in options[:-(-2 * len(options) // 3)]]
        return max(options, key=lambda o: len(self.visible({**answers, question.id: o.id}))).id

    def preset(self, question: Question, answers: Answers) -> list[str] | None:
        """The options a multiple choice shows ticked before the user touches it (see Preset)."""
        preset = question.preset
        if preset is None:
            return None
        chosen = set(preset.options)
        if preset.from_ is not None:
            earlier = answers.get(preset.from_)
            values = earlier if isinstance(earlier, list) else [earlier] if isinstance(earlier, str) else []
            chosen |= {preset.map.get(v, "") if preset.map else v for v in values}
        matching = self.questionnaire.matching
        if preset.needs_in and matching is not None:
            chosen |= {topic for topic, q in matching.needs.items() if answers.get(q) in preset.needs_in}
        return [o.id for o in self._choices[question.id] if o.id in chosen]

    # -- validation ------------------------------------------------------------------------

    def parse_text(self, question: Question, text: str) -> Any | InputError:
        """Turn typed text into an answer value for a text or number question."""
        if question.type is QuestionType.NUMBER:
            return self._parse_number(question, text.strip())
        text = clean_line(text) if question.single_line else clean_text(text)
        if not text:
            return InputError("empty")
        low, high = question.min_length, question.max_length
        if low is not None and len(text) < low:
            return InputError("too_short", {"min": low})
        if high is not None and len(text) > high:
            return InputError("too_long", {"max": high, "length": len(text)})
        return text

    @staticmethod
    def _parse_number(question: Question, text: str) -> int | InputError:
        digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
        digits = digits.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
        if not _NUMBER.fullmatch(digits):  # e.g. "--1990": a polite error, never an exception
            groups = _DIGITS.findall(digits)  # "1998'de", "since 1998": the one number in words
            if len(groups) != 1 or len(groups[0]) > 15 or _SIGNED.search(digits):
                return InputError("not_number")
            digits = groups[0]
        number = int(digits)
        if question.min_value is not None and number < question.min_value:
            return InputError("too_small", {"min": question.min_value})
        highest = question.highest()
        if highest is not None and number > highest:
            return InputError("too_large", {"max": highest})
        return number

    def check_selection(self, question: Question, selected: list[str]) -> InputError | None:
        known = {o.id for o in self._choices[question.id]}
        if any(s not in known for s in selected):
            return InputError("unknown_option")
        low = question.min_choices if question.min_choices is not None else (1 if question.required else 0)
        if len(selected) < low:
            return InputError("too_few", {"min": low})
        if question.max_choices is not None and len(selected) > question.max_choices:
            return InputError("too_many", {"max": question.max_choices})
        return None

    def is_answer_valid(self, question: Question, value: Any) -> bool:
        """Whether a stored value still fits the question (the file may have changed)."""
        if value is None:
            return not question.required
        if question.type is QuestionType.MULTI:
            return isinstance(value, list) and self.check_selection(question, value) is None
        if question.type in (QuestionType.SINGLE, QuestionType.SCALE, QuestionType.YESNO):
            return self.option(question, str(value)) is not None
        if question.type is QuestionType.NUMBER:
            return isinstance(value, int)
        return isinstance(value, str)


def _hashable(value: Any) -> Any:
    """An answer as a key: a multiple choice (a list) as a tuple."""
    if isinstance(value, list):
        return ("list", *value)
    hash(value)
    return value
