"""Deploying a questionnaire version: compare it with the one the database last ran with,
refuse it when stored answers would become unreadable, record it otherwise."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.questionnaire import Problem, Questionnaire, QuestionnaireError
from bot.questionnaire.versions import Change, compare, definition, problems
from bot.storage.versions import VersionStore

log = logging.getLogger(__name__)


@dataclass
class Review:
    previous: str | None  # the version deployed before, if any
    changes: list[Change] = field(default_factory=list)
    problems: list[Change] = field(default_factory=list)


async def review(versions: VersionStore, questionnaire: Questionnaire) -> Review:
    new = definition(questionnaire)
    old = await versions.latest(questionnaire.id)
    if old is None:
        return Review(None)
    if old.version != new.version:  # going back to a version deployed before compares with that
        old = await versions.get(questionnaire.id, new.version) or old
    if old == new:  # every start of every process: no need to count the stored answers
        return Review(old.version)
    usage = await versions.usage(questionnaire.id)
    return Review(old.version, compare(old, new), problems(old, new, usage))


async def deploy(versions: VersionStore, questionnaire: Questionnaire, file: str) -> Review:
    """Inside a transaction; raises QuestionnaireError naming the file and questions."""
    result = await review(versions, questionnaire)
    if result.problems:
        raise QuestionnaireError([Problem(file, None if p.question == "*" else p.question, p.what)
                                  for p in result.problems])
    if await versions.get(questionnaire.id, questionnaire.version) is None:
        await versions.record(definition(questionnaire))
        log.info("questionnaire %s version %s deployed%s", questionnaire.id, questionnaire.version,
                 f" (after {result.previous}: {len(result.changes)} changes)" if result.previous else "")
    return result
