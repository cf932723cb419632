"""Cross-reference checks that pydantic's per-field validation cannot see."""

from __future__ import annotations

from bot.questionnaire.model import (
    CHOICE_TYPES,
    FORMATS,
    THIS_YEAR,
    TIMES,
    Matching,
    Question,
    Questionnaire,
    QuestionType,
)

# action letter + ":" + submission number (9 digits) + ":" + question id + ":" + option id
_CALLBACK_OVERHEAD = len("T:") + 9 + 2
CALLBACK_LIMIT = 64


def problems(questionnaire: Questionnaire) -> list[tuple[str | None, str]]:
    """Return (question id or None, problem) for every inconsistency found."""
    found: list[tuple[str | None, str]] = []
    seen: dict[str, str] = {}
    for section in questionnaire.sections:
        if section.id in seen:
            found.append((None, f"duplicate section id '{section.id}'"))
        seen[section.id] = "section"
    seen_questions: set[str] = set(questionnaire.given)
    for _section, question in questionnaire.questions():
        if question.id in questionnaire.given:
            found.append((question.id, "is a question and a given fact"))
        if question.id in seen_questions:
            found.append((question.id, "duplicate question id"))
        for condition in question.conditions():
            found.extend(_condition_problems(questionnaire, question, condition.question,
                                             condition.values(), seen_questions))
        seen_questions.add(question.id)
        found.extend((question.id, p) for p in _question_problems(questionnaire, question))
    found.extend(_rename_problems(questionnaire))
    name_question = questionnaire.organisation_name
    if name_question is not None:
        target = next((q for _s, q in questionnaire.questions() if q.id == name_question), None)
        if target is None or target.type is not QuestionType.TEXT:
            found.append((None, f"organisation_name '{name_question}' is not a text question"))
    if questionnaire.matching is not None:
        found.extend((None, f"matching: {p}") for p in _matching_problems(questionnaire, questionnaire.matching))
    return found


def _rename_problems(questionnaire: Questionnaire) -> list[tuple[str | None, str]]:
    """`renamed_from` names ids that are gone, each claimed once: otherwise one stored answer
    would be read as two."""
    found: list[tuple[str | None, str]] = []
    current = {q.id for _s, q in questionnaire.questions()}
    claimed: dict[str, str] = {}
    for _section, question in questionnaire.questions():
        for old in question.renamed_from:
            if old in current:
                found.append((question.id, f"renamed_from '{old}' names a question that is still in the file"))
            elif old in claimed:
                found.append((question.id, f"renamed_from '{old}' is claimed by '{claimed[old]}' too"))
            claimed[old] = question.id
        options = questionnaire.choices(question)
        ids = {o.id for o in options}
        taken: dict[str, str] = {}
        for option in options:
            for old in option.renamed_from:
                if old in ids:
                    found.append((question.id, f"option '{option.id}': renamed_from '{old}' names an option "
                                               "that is still there"))
                elif old in taken:
                    found.append((question.id, f"option '{option.id}': renamed_from '{old}' is claimed by "
                                               f"'{taken[old]}' too"))
                taken[old] = option.id
    return found


def _matching_problems(questionnaire: Questionnaire, matching: Matching) -> list[str]:
    """The matching block names questions of the right type, over the right options."""
    by_id = {q.id: q for _s, q in questionnaire.questions()}
    found: list[str] = []

    def question(field: str, name: str | None, *types: QuestionType) -> Question | None:
        if name is None:
            return None
        target = by_id.get(name)
        if target is None:
            found.append(f"{field} refers to unknown question '{name}'")
        elif target.type not in types:
            wanted = " or ".join(t.value for t in types)
            found.append(f"{field} '{name}' is a {target.type.value} question, expected {wanted}")
        else:
            return target
        return None

    topics = questionnaire.option_sets.get(matching.topics)
    if topics is None:
        found.append(f"topics: unknown option set '{matching.topics}'")
        return found
    topic_ids = {o.id for o in topics}
    for topic, name in matching.needs.items():
        if topic not in topic_ids:
            found.append(f"needs: '{topic}' is not a topic of '{matching.topics}'")
        target = question(f"needs.{topic}", name, QuestionType.SCALE)
        if target is not None:
            missing = {o.id for o in questionnaire.choices(target)} - set(matching.intensity)
            if missing:
                found.append(f"intensity: no value for {', '.join(sorted(missing))} (scale of '{name}')")
    for topic, name in matching.details.items():
        if topic not in matching.needs:
            found.append(f"details: '{topic}' has no entry under needs")
        question(f"details.{topic}", name, QuestionType.MULTI)
    for field in ("strengths", "advice_topics"):
        target = question(field, getattr(matching, field), QuestionType.MULTI)
        if target is not None and not {o.id for o in questionnaire.choices(target)} <= topic_ids:
            found.append(f"{field} '{target.id}' must offer the topics of '{matching.topics}'")
    for field, allowed in (("formats", FORMATS), ("times", TIMES)):
        target = question(field, getattr(matching, field), QuestionType.MULTI)
        if target is not None:
            unknown = {o.id for o in questionnaire.choices(target)} - set(allowed)
            if unknown:
                found.append(f"{field} '{target.id}': options {', '.join(sorted(unknown))} "
                             f"are not among {', '.join(allowed)}")
    question("languages", matching.languages, QuestionType.MULTI)
    question("partner_kinds", matching.partner_kinds, QuestionType.MULTI)
    question("networking", matching.networking, QuestionType.YESNO)
    question("professionals", matching.professionals, QuestionType.YESNO)
    question("contact", matching.contact, QuestionType.TEXT)
    question("other_need", matching.other_need, QuestionType.TEXT)
    district = question("district", matching.district, QuestionType.SINGLE)
    if district is not None:
        ids = {o.id for o in questionnaire.choices(district)}
        if not set(matching.places) <= ids:  # an option without a place (outside the city) is near nothing
            found.append(f"places must give coordinates only for options of '{district.id}'")
    return found


def _condition_problems(questionnaire: Questionnaire, question: Question, target_id: str,
                        values: list[str], earlier: set[str]) -> list[tuple[str, str]]:
    if target_id in questionnaire.given:  # a fact the bot supplies: "yes" or "no"
        return [(question.id, f"show_if value '{v}' of the given fact '{target_id}' is not yes or no")
                for v in values if v not in ("yes", "no")]
    target = next((q for _s, q in questionnaire.questions() if q.id == target_id), None)
    if target is None:
        return [(question.id, f"show_if refers to unknown question '{target_id}'")]
    if target_id not in earlier:
        return [(question.id, f"show_if refers to '{target_id}', which is not asked before it")]
    if target.type not in CHOICE_TYPES:
        return [(question.id, f"show_if refers to '{target_id}', which has no options to compare")]
    known = {o.id for o in questionnaire.choices(target)}
    return [(question.id, f"show_if value '{v}' is not an option of '{target_id}'")
            for v in values if v not in known]


def _question_problems(questionnaire: Questionnaire, question: Question) -> list[str]:
    found: list[str] = []
    kind = question.type
    if kind is QuestionType.SCALE:
        if not question.scale:
            found.append("a scale question needs 'scale:' naming one of the scales")
        elif question.scale not in questionnaire.scales:
            found.append(f"unknown scale '{question.scale}'")
    elif question.scale:
        found.append("'scale:' is only for scale questions")
    if kind in (QuestionType.SINGLE, QuestionType.MULTI):
        if question.options is None:
            found.append("a choice question needs 'options:'")
        elif isinstance(question.options, str) and question.options not in questionnaire.option_sets:
            found.append(f"unknown option set '{question.options}'")
    elif question.options is not None:
        found.append(f"'options:' is not used by {kind.value} questions")
    options = questionnaire.choices(question)
    ids = [o.id for o in options]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"duplicate option id '{dup}'")
    if kind in CHOICE_TYPES and not found and len(options) < 2:
        found.append("a choice question needs at least two options")
    for option in options:
        size = _CALLBACK_OVERHEAD + len(question.id.encode()) + len(option.id.encode())
        if size > CALLBACK_LIMIT:
            found.append(f"ids of option '{option.id}' too long for Telegram buttons")
    found.extend(_limit_problems(question, len(options)))
    if question.at_summary and (kind is not QuestionType.TEXT or question.required):
        found.append("'at_summary' is only for optional text questions")
    if question.preset is not None:
        found.extend(_preset_problems(questionnaire, question, set(ids)))
    return found


def _preset_problems(questionnaire: Questionnaire, question: Question, ids: set[str]) -> list[str]:
    preset = question.preset
    assert preset is not None
    if question.type is not QuestionType.MULTI:
        return ["'preset' is only for multi questions"]
    found = [f"preset option '{o}' is not an option" for o in [*preset.options, *preset.map.values()]
             if o not in ids]
    if preset.from_ is not None:
        order = [q.id for _s, q in questionnaire.questions()]
        if preset.from_ not in order or order.index(preset.from_) >= order.index(question.id):
            found.append(f"preset from '{preset.from_}' is not a question asked before it")
    if preset.needs_in and questionnaire.matching is None:
        found.append("preset needs_in needs a matching block")
    return found


def _limit_problems(question: Question, option_count: int) -> list[str]:
    found: list[str] = []
    kind = question.type
    pairs = {
        QuestionType.MULTI: ("min_choices", "max_choices"),
        QuestionType.TEXT: ("min_length", "max_length"),
        QuestionType.NUMBER: ("min_value", "max_value"),
    }
    for other_kind, names in pairs.items():
        if kind is other_kind:
            low, high = (getattr(question, n) for n in names)
            if high == THIS_YEAR:
                high = question.highest()
            if low is not None and high is not None and low > high:
                found.append(f"{names[0]} ({low}) is larger than {names[1]} ({high})")
            continue
        for name in names:
            if getattr(question, name) is not None:
                found.append(f"'{name}' is not used by {kind.value} questions")
    if kind is QuestionType.MULTI and question.min_choices and question.min_choices > option_count:
        found.append(f"min_choices ({question.min_choices}) is more than the {option_count} options")
    return found
