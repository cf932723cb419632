"""What changed between two versions of the questionnaire, and whether stored answers survive it.

Answers keep the question and option ids they were given. A new version may add, drop, reword
and reorder freely; it may rename an id only by saying so (`renamed_from:`), because otherwise
the answers stored under the old id would silently belong to nothing. `compare` lists the
changes for staff; `problems` names every change that would strand stored answers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from bot.questionnaire.model import CHOICE_TYPES, Questionnaire, QuestionType


class Shape(BaseModel):
    """What stored answers to a question depend on."""

    model_config = ConfigDict(frozen=True)

    type: QuestionType
    text: str
    options: list[str] = []
    labels: dict[str, str] = {}  # option id -> label (source text), for exports of dropped questions
    renamed_from: list[str] = []
    option_renames: dict[str, list[str]] = {}  # option id -> its earlier ids


class Definition(BaseModel):
    """A deployed version, as the database keeps it (questions in their order)."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    questions: dict[str, Shape]


def definition(questionnaire: Questionnaire) -> Definition:
    questions = {}
    for _section, question in questionnaire.questions():
        options = questionnaire.choices(question) if question.type in CHOICE_TYPES else []
        questions[question.id] = Shape(
            type=question.type, text=question.text, options=[o.id for o in options],
            labels={o.id: o.label for o in options},
            renamed_from=list(question.renamed_from),
            option_renames={o.id: list(o.renamed_from) for o in options if o.renamed_from})
    return Definition(id=questionnaire.id, version=questionnaire.version, questions=questions)


@dataclass(frozen=True)
class Change:
    question: str
    what: str

    def __str__(self) -> str:
        return f"question '{self.question}': {self.what}"


@dataclass(frozen=True)
class Usage:
    """How many stored answers each question has, and of each option (choice questions)."""

    answers: Counter[str]
    options: dict[str, Counter[str]]


def matched(old: Definition, new: Definition) -> dict[str, str]:
    """New question id -> the old id whose answers it reads (itself, or what it was renamed from)."""
    result = {}
    for question_id, shape in new.questions.items():
        if question_id in old.questions:
            result[question_id] = question_id
            continue
        earlier = next((r for r in shape.renamed_from if r in old.questions), None)
        if earlier is not None:
            result[question_id] = earlier
    return result


def option_source(shape: Shape, option_id: str) -> set[str]:
    return {option_id, *shape.option_renames.get(option_id, [])}


def compare(old: Definition, new: Definition) -> list[Change]:
    changes: list[Change] = []
    pairs = matched(old, new)
    for question_id, shape in new.questions.items():
        earlier = pairs.get(question_id)
        if earlier is None:
            changes.append(Change(question_id, "added"))
            continue
        before = old.questions[earlier]
        if earlier != question_id:
            changes.append(Change(question_id, f"renamed from '{earlier}'"))
        if before.type != shape.type:
            changes.append(Change(question_id, f"type changed from {before.type.value} to {shape.type.value}"))
        if before.text != shape.text:
            changes.append(Change(question_id, "text changed"))
        kept: set[str] = set()
        for option in shape.options:
            sources = option_source(shape, option) & set(before.options)
            kept |= sources
            if not sources:
                changes.append(Change(question_id, f"option '{option}' added"))
            elif option not in sources:
                changes.append(Change(question_id, f"option '{option}' renamed from "
                                                   f"{', '.join(repr(s) for s in sorted(sources))}"))
        for option in before.options:
            if option not in kept:
                changes.append(Change(question_id, f"option '{option}' removed"))
    for question_id in old.questions:
        if question_id not in pairs.values():
            changes.append(Change(question_id, "removed (its stored answers stay in the export)"))
    return changes


def problems(old: Definition, new: Definition, usage: Usage) -> list[Change]:
    """Changes that would make stored answers unreadable, each with what to write instead."""
    found: list[Change] = []
    if old.version == new.version and _content(old) != _content(new):
        found.append(Change("*", f"the questionnaire changed but its version is still '{new.version}': "
                                 "give it a new version"))
    pairs = matched(old, new)
    gone = [q for q in old.questions if q not in pairs.values()]
    for question_id, shape in new.questions.items():
        earlier = pairs.get(question_id)
        if earlier is None:
            twin = next((g for g in gone if usage.answers[g] and _alike(old.questions[g], shape)), None)
            if twin is not None:
                found.append(Change(question_id, f"looks like '{twin}' renamed ({usage.answers[twin]} stored "
                                                 f"answers): add `renamed_from: {twin}` to it, or give it "
                                                 "a different text if it is a new question"))
            continue
        before = old.questions[earlier]
        if usage.answers[earlier] and before.type != shape.type and not _compatible(before.type, shape.type):
            found.append(Change(question_id, f"has {usage.answers[earlier]} stored answers as a "
                                             f"{before.type.value} question and cannot become a "
                                             f"{shape.type.value} question: add a new question instead"))
            continue
        readable = {s for option in shape.options for s in option_source(shape, option)}
        if shape.type not in CHOICE_TYPES:
            continue
        for option, count in sorted(usage.options.get(earlier, Counter()).items()):
            if option not in readable:
                found.append(Change(question_id, f"option '{option}' has {count} stored answers and is gone: "
                                                 f"add `renamed_from: {option}` to the option that replaces it"))
    return found


def _content(definition: Definition) -> dict[str, Shape]:
    """What answers depend on; option labels may be reworded under the same version."""
    return {q: shape.model_copy(update={"labels": {}}) for q, shape in definition.questions.items()}


def _alike(before: Shape, after: Shape) -> bool:
    return before.type == after.type and (before.text == after.text or (bool(before.options)
                                          and before.options == after.options))


def _compatible(before: QuestionType, after: QuestionType) -> bool:
    """Stored values of `before` are valid values of `after` (option ids stay option ids)."""
    same_kind = {QuestionType.SINGLE, QuestionType.SCALE, QuestionType.YESNO}
    return before in same_kind and after in same_kind
