"""Deploying a questionnaire version: compare it with the one the database last ran with,
refuse it when stored answers would become unreadable, record it otherwise."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from bot.questionnaire import Problem, Questionnaire, QuestionnaireError
from bot.questionnaire.versions import Change, Definition, Usage, compare, definition, problems

log = logging.getLogger(__name__)


class Versions(Protocol):
    """Where the versions the bot ran with are kept (`bot.storage.versions.VersionStore`): the
    questionnaire package reads them through this, so it imports no storage."""

    async def latest(self, questionnaire_id: str) -> Definition | None: ...

    async def get(self, questionnaire_id: str, version: str) -> Definition | None: ...

    async def record(self, definition: Definition) -> None: ...

    async def usage(self, questionnaire_id: str) -> Usage: ...


@dataclass
class Review:
    previous: str | None  # the version deployed before, if any
    changes: list[Change] = field(default_factory=list)
    problems: list[Change] = field(default_factory=list)


async def review(versions: Versions, questionnaire: Questionnaire) -> Review:
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


async def deploy(versions: Versions, questionnaire: Questionnaire, file: str) -> Review:
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
