"""Keeping the profile index: each association's need profile, updated in the transaction that
completes or changes its questionnaire, rebuilt from the answers when the questionnaire version
(or the profile's shape) changed. Matching then selects candidates in SQL."""

from __future__ import annotations

import functools
import logging
from typing import Any

from bot.questionnaire.engine import Answers
from bot.storage.profiles import ANY_LANGUAGE, ProfileStore, Term
from bot.suggestions.context import SuggestionContext
from bot.suggestions.matching import NeedProfile, build_profile, profile_questions

log = logging.getLogger(__name__)

SHAPE = "2"  # raise when NeedProfile or the terms change: the index is built again at start
BATCH = 200  # profiles written per transaction when the index is built again: well under 50 ms each
PROFILES_REMEMBERED = 2048
KEPT_OUT = {"contact", "details"}  # not needed for matching; the index holds no contact


def index_row(profile: NeedProfile) -> tuple[dict[str, Any], bool, list[Term]]:
    terms: list[Term] = [("need", topic) for topic, level in profile.needs.items() if level > 0]
    terms += [("language", code) for code in sorted(profile.languages)] or [("language", ANY_LANGUAGE)]
    terms += [("strength", topic) for topic in sorted(profile.strengths)]
    return profile.model_dump(mode="json", exclude=KEPT_OUT), profile.networking, terms


@functools.lru_cache(maxsize=PROFILES_REMEMBERED)
def stored_profile(text: str) -> NeedProfile:
    """A profile as the index stores it (JSON): the same few dozen peers come up for many
    completions, each is parsed once (a changed profile is another text). Not to be changed."""
    return NeedProfile.model_validate_json(text)


class ProfileIndex:
    def __init__(self, context: SuggestionContext) -> None:
        self.context = context
        self.store = context.store

    async def update(self, user_id: int, submission_id: int, answers: Answers) -> NeedProfile:
        """Inside the caller's transaction: this association's latest completed answers."""
        profile = build_profile(user_id, answers, self.context.matching)
        data, networking, terms = index_row(profile)
        await ProfileStore(self.store).put(user_id, submission_id, data, networking, terms)
        return profile

    def version(self) -> str:
        questionnaire = self.context.engine.questionnaire
        return f"{questionnaire.id}:{questionnaire.version}:{SHAPE}"

    async def ensure(self) -> int:
        """At start: build the index again if it was made for another version (or never);
        how many profiles were written (0 when it was up to date)."""
        profiles = ProfileStore(self.store)
        if await profiles.meta("profile_index") == self.version():
            return 0
        questions = self.context.engine.stored_ids(profile_questions(self.context.matching))
        completed = await self.context.suggestions.completed_profiles(questions=questions)
        # In short transactions (a command beside the running bot may be the one that builds it,
        # and the bot's users must not wait for 20,000 profiles): the version is written last, so
        # an index left half-built by a stop is built again at the next start.
        async with self.store.transaction():
            await profiles.set_meta("profile_index", "building")
            await profiles.clear()
        for start in range(0, len(completed), BATCH):
            rows = [(submission.user_id, submission.id, *index_row(build_profile(submission.user_id, answers,
                                                                                   self.context.matching)))
                    for submission, answers in completed[start:start + BATCH]]
            async with self.store.transaction():
                await profiles.put_many(rows)
        async with self.store.transaction():
            await profiles.set_meta("profile_index", self.version())
        log.info("profile index built: %d associations", len(completed))
        return len(completed)
