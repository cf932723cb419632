"""The questionnaire's shape, as staff write it in YAML.

Shape is checked here by pydantic; references between questions (conditions, option sets,
scales) are checked in `bot.questionnaire.checks`, so that one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from bot.kernel.i18n import N_

# Ids travel in Telegram's callback_data (64 bytes, together with an action and the
# submission number), so they are short and plain.
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)]
OptionIdent = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=16)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    TEXT = "text"
    NUMBER = "number"
    YESNO = "yesno"


CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTI, QuestionType.SCALE, QuestionType.YESNO}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _listed(value: Any) -> Any:
    """`renamed_from: old` and `renamed_from: [old, older]` both give a list."""
    return [value] if isinstance(value, str) else value


class Option(_Strict):
    id: OptionIdent
    label: Text
    # Earlier ids of this option: stored answers keep the id they were given, and are read as
    # this option. Several ids merge options.
    renamed_from: Annotated[list[OptionIdent], BeforeValidator(_listed)] = Field(default_factory=list)


YES_NO: tuple[Option, ...] = (
    Option(id="yes", label=N_("Yes")),
    Option(id="no", label=N_("No")),
)


class Condition(_Strict):
    """Show a question only when an earlier answer matches.

    Exactly one of `equals`, `in` (one of several values) or `includes` (a multiple-choice
    answer contains the value) is given.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    question: Ident
    equals: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    includes: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [v for v in (self.equals, self.in_, self.includes) if v is not None]
        if len(given) != 1:
            raise ValueError("a condition needs exactly one of 'equals', 'in' or 'includes'")
        return self

    def values(self) -> list[str]:
        if self.in_ is not None:
            return list(self.in_)
        return [v for v in (self.equals, self.includes) if v is not None]


SINGLE_LINE = 300
THIS_YEAR = "this_year"  # a number question's max_value: the current year when the answer is given


class Preset(_Strict):
    """What a multiple choice shows ticked before the user touches it (they untick what is
    wrong): fixed options, options mapped from an earlier answer, the topics rated at these
    levels (`needs_in`, through the matching block)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    options: list[OptionIdent] = Field(default_factory=list)
    from_: Ident | None = Field(default=None, alias="from")
    map: dict[OptionIdent, OptionIdent] = Field(default_factory=dict)  # earlier answer's option -> ours
    needs_in: list[OptionIdent] = Field(default_factory=list)


class Question(_Strict):
    id: Ident
    # Earlier ids of this question (see Option.renamed_from).
    renamed_from: Annotated[list[Ident], BeforeValidator(_listed)] = Field(default_factory=list)
    type: QuestionType
    text: Text
    hint: Text | None = None
    required: bool = True
    # Choice questions: a list of options, or the name of an `option_sets` entry.
    options: list[Option] | Ident | None = None
    scale: Ident | None = None
    min_choices: int | None = Field(default=None, ge=0)
    max_choices: int | None = Field(default=None, ge=1)
    min_length: int | None = Field(default=None, ge=1)
    max_length: int | None = Field(default=None, ge=1, le=3500)
    min_value: int | None = None
    max_value: int | Literal["this_year"] | None = None
    show_if: Condition | list[Condition] | None = None
    preset: Preset | None = None
    # An optional text offered on the summary (typed there, or opened by its number) instead
    # of being asked on the way: nobody has to skip it.
    at_summary: bool = False

    @property
    def single_line(self) -> bool:
        """A name or a contact (a text of at most SINGLE_LINE characters), not a free text: one
        line, and nothing that could change how it shows on someone else's screen."""
        return self.type is QuestionType.TEXT and self.max_length is not None and self.max_length <= SINGLE_LINE

    def highest(self) -> int | None:
        """The largest number allowed now (`max_value: this_year` is the current year)."""
        if self.max_value == THIS_YEAR:
            return datetime.now(UTC).year
        return self.max_value if isinstance(self.max_value, int) else None

    def conditions(self) -> list[Condition]:
        if self.show_if is None:
            return []
        return self.show_if if isinstance(self.show_if, list) else [self.show_if]


class Section(_Strict):
    id: Ident
    title: Text
    questions: list[Question] = Field(min_length=1)


FORMATS = ("workshop", "online", "coaching", "guide")
TIMES = ("evenings", "weekends", "daytime")


class Matching(_Strict):
    """Which answers describe an association's needs, for suggestions; the survey ignores it.

    Values name questions of this file. Option ids of the referenced questions are the shared
    vocabulary with the catalog: topic ids, language codes, district ids, partner kinds, and
    the fixed format ids (FORMATS) and time ids (TIMES).
    """

    topics: Ident  # the option set holding topic ids and labels
    needs: dict[OptionIdent, Ident]  # topic id -> scale question rating the need
    intensity: dict[OptionIdent, Annotated[int, Field(ge=0, le=3)]]  # scale option -> 0..3
    details: dict[OptionIdent, Ident] = Field(default_factory=dict)  # topic -> multi question
    languages: Ident | None = None  # multi question; option ids are language codes
    formats: Ident | None = None
    times: Ident | None = None
    district: Ident | None = None  # single question; option ids are the catalog's districts
    places: dict[OptionIdent, tuple[float, float]] = Field(default_factory=dict)  # (lat, lon)
    strengths: Ident | None = None  # multi over topics: experience to share with peers
    networking: Ident | None = None  # yes/no: may be suggested to other associations (none: the consent decides)
    contact: Ident | None = None  # text: shared only on an accepted introduction
    professionals: Ident | None = None  # yes/no: wants contact with professional organisations
    partner_kinds: Ident | None = None  # multi; option ids are partner kinds
    advice_topics: Ident | None = None  # multi over topics
    other_need: Ident | None = None  # text: a need outside the topics, in the association's words


class Questionnaire(_Strict):
    id: Ident | Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    title: Text
    # The free-text question whose answer names the organisation (kept on the organisation row).
    organisation_name: Ident | None = None
    # Facts the bot supplies (e.g. `networking`: "yes"/"no" from the privacy choices): conditions
    # may name them like questions, nobody is asked them.
    given: list[Ident] = Field(default_factory=list)
    scales: dict[Ident, list[Option]] = Field(default_factory=dict)
    option_sets: dict[Ident, list[Option]] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    matching: Matching | None = None

    def questions(self) -> Iterator[tuple[Section, Question]]:
        for section in self.sections:
            for question in section.questions:
                yield section, question

    def choices(self, question: Question) -> list[Option]:
        """The options a question offers, with option sets and scales resolved."""
        if question.type is QuestionType.YESNO:
            return list(YES_NO)
        if question.type is QuestionType.SCALE:
            return list(self.scales.get(question.scale or "", []))
        if isinstance(question.options, str):
            return list(self.option_sets.get(question.options, []))
        return list(question.options or [])

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every translatable text with the place it comes from, for extraction and checks."""
        yield "title", self.title
        for name, scale in self.scales.items():
            for option in scale:
                yield f"scales.{name}.{option.id}", option.label
        for name, options in self.option_sets.items():
            for option in options:
                yield f"option_sets.{name}.{option.id}", option.label
        for section in self.sections:
            yield f"{section.id}", section.title
            for question in section.questions:
                yield question.id, question.text
                if question.hint:
                    yield f"{question.id}.hint", question.hint
                if isinstance(question.options, list):
                    for option in question.options:
                        yield f"{question.id}.{option.id}", option.label


def parse(data: Any) -> Questionnaire:
    return Questionnaire.model_validate(data)
