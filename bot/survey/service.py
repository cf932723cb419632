"""The survey conversation as plain async Python: one call per user action, one transaction each.

Adapters pass in who acted and what they did; they get back an Outcome to display. Every
answer is committed before the Outcome is returned, so the next question is only ever sent
for an answer that is already safe in the database. The work itself lives in the parts:
onboarding (language, consent), answering, the summary, deletion; `SurveyFlow` holds the
steps they share.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import tzinfo

from bot.consent.notice import SAMPLE, NoticeFacts
from bot.kernel.actions import Kind, parse
from bot.kernel.bidi import directed_outcome
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Outcome, Screen
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.survey.answering import Answering
from bot.survey.deletion import Deletion
from bot.survey.flow import SurveyFlow
from bot.survey.onboarding import Onboarding
from bot.survey.screens import Screens
from bot.survey.summary import Summary
from bot.survey.turns import Companion, CompletionHook, Turn, Visitor, run_after_commit

log = logging.getLogger(__name__)


class SurveyService:
    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 on_completed: list[CompletionHook] | None = None, facts: NoticeFacts = SAMPLE) -> None:
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.tz = tz
        self.flow = SurveyFlow(store, engine, catalogs, tz, facts)
        self.flow.on_completed += on_completed or []
        self.onboarding = Onboarding(self.flow)
        self.summary = Summary(self.flow)
        self.answering = Answering(self.flow, self.summary)
        self.deletion = Deletion(store)

    @property
    def companions(self) -> list[Companion]:
        return self.flow.companions

    @property
    def on_completed(self) -> list[CompletionHook]:
        return self.flow.on_completed

    # -- entry points ----------------------------------------------------------------------

    async def start(self, visitor: Visitor) -> Outcome:
        return await self.run(visitor, None, self.flow.start)

    async def help(self, visitor: Visitor) -> Outcome:
        return await self.run(visitor, None, lambda turn: self._say(turn, turn.screens.help()))

    async def show_answers(self, visitor: Visitor) -> Outcome:
        return await self.run(visitor, None, self.summary.show)

    async def choose_language(self, visitor: Visitor) -> Outcome:
        return await self.run(visitor, None, self.onboarding.choose_language)

    async def ask_delete(self, visitor: Visitor) -> Outcome:
        return await self.run(visitor, None, self.deletion.ask)

    async def press(self, visitor: Visitor, data: str | None, source_ref: str | None = None) -> Outcome:
        return await self.run(visitor, source_ref, lambda turn: self._press(turn, data))

    async def text(self, visitor: Visitor, text: str) -> Outcome:
        return await self.run(visitor, None, lambda turn: self.answering.typed(turn, text))

    async def unsupported(self, visitor: Visitor) -> Outcome:
        return await self.run(visitor, None, lambda turn: self.flow.reask(turn, turn.screens.only_text()))

    async def edited(self, visitor: Visitor) -> Outcome:
        """An edited message is not read again (its first version may already be an answer):
        a short note says so and how to change an answer."""
        return await self.run(visitor, None,
                              lambda turn: self._say(turn, Screen(text=turn.screens.edits_not_read())))

    async def remember_prompt(self, user_id: int, ref: str) -> None:
        """The adapter tells where the message with the live buttons went."""
        async with self.store.single_statement():
            await self.store.set_prompt_ref(user_id, ref)

    async def language_of(self, visitor: Visitor) -> str:
        """The user's chosen language, else the best match for their client, else the default."""
        user = await self.store.user(visitor.user_id)
        if user is not None:
            return user.language
        return self.catalogs.negotiate(visitor.language_code) or self.catalogs.default

    def screens_for(self, language: str | None) -> Screens:
        return self.flow.screens_for(language)

    # -- the unit of work ------------------------------------------------------------------

    async def run(self, visitor: Visitor, source_ref: str | None,
                  step: Callable[[Turn], Awaitable[None]]) -> Outcome:
        """One user action as one transaction; companions use it for their commands too."""
        async with self.store.transaction():
            claimed, user = await self.store.claim_and_read(visitor.event_id, visitor.user_id)
            if not claimed:
                log.info("update %s seen before; ignored", visitor.event_id)
                return Outcome()
            if user is not None and user.blocked_at is not None:
                await self.store.set_blocked(user.id, False)  # they are writing again
            language = user.language if user is not None else \
                self.catalogs.negotiate(visitor.language_code) or self.catalogs.default
            turn = Turn(visitor, user, self.screens_for(language), source_ref)
            await step(turn)
        await run_after_commit(turn.after)
        # Right-to-left readers: every text laid out for them, catalog texts and lines built in
        # code alike (one pass, `bidi.directed`).
        return directed_outcome(turn.outcome, turn.screens.t.rtl)

    async def run_start(self, turn: Turn) -> None:
        """What /start does, for companions whose commands need the user on board first."""
        await self.flow.start(turn)

    async def _say(self, turn: Turn, screen: Screen) -> None:
        turn.outcome.messages.append(screen)

    async def _press(self, turn: Turn, data: str | None) -> None:
        action = parse(data)
        if action is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        if action.kind is Kind.LANGUAGE:
            await self.onboarding.pick_language(turn, action.value or "")
        elif action.kind is Kind.CONSENT:
            await self.onboarding.consent(turn, action.value or "")
        elif action.kind is Kind.DELETE:
            await self.deletion.delete(turn, action.value == "y")
        elif action.kind is Kind.ROUND:
            turn.outcome.source_closed = True
            await self.flow.start(turn)  # the invitation's button: the new round begins (or goes on)
        elif companion := next((c for c in self.companions if action.kind in c.kinds), None):
            await companion.press(turn, action)
        else:
            await self.answering.tapped(turn, action)
