"""The survey conversation as plain async Python: one call per user action, one transaction each.

Adapters pass in who acted and what they did; they get back an Outcome to display. Every
answer is committed before the Outcome is returned, so the next question is only ever sent
for an answer that is already safe in the database. The work itself lives in the parts:
onboarding (language, consent), answering, the summary, deletion; `SurveyFlow` holds the
steps they share.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import tzinfo

from bot.consent.notice import SAMPLE, NoticeFacts
from bot.kernel.actions import Action, Kind, parse
from bot.kernel.i18n import Catalogs
from bot.kernel.links import StartLinks
from bot.kernel.outcome import Outcome, Screen
from bot.kernel.turns import TurnRunner
from bot.questionnaire.engine import Engine
from bot.storage import Store, User
from bot.survey.answering import Answering
from bot.survey.deletion import Deletion
from bot.survey.flow import SurveyFlow
from bot.survey.members import Members, token_of
from bot.survey.onboarding import Onboarding
from bot.survey.screens import Screens
from bot.survey.summary import Summary
from bot.survey.turns import Companion, CompletionHook, Turn, Visitor

log = logging.getLogger(__name__)


class SurveyService:
    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 on_completed: Sequence[CompletionHook] = (), facts: NoticeFacts = SAMPLE,
                 companions: Sequence[Companion] = (), links: StartLinks | None = None) -> None:
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.tz = tz
        self.runner = TurnRunner[User](store)
        self.flow = SurveyFlow(store, engine, catalogs, tz, facts, companions, on_completed)
        self.onboarding = Onboarding(self.flow)
        self.summary = Summary(self.flow)
        self.answering = Answering(self.flow, self.summary)
        self.members = Members(self.flow, links or StartLinks())
        self.deletion = Deletion(store, self.members)

    @property
    def companions(self) -> Sequence[Companion]:
        return self.flow.companions

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

    async def members_list(self, visitor: Visitor) -> Outcome:
        return await self.member(visitor, self.members.show)

    async def invitation(self, visitor: Visitor, start_parameter: str) -> Outcome:
        """/start with an invitation to join an association's board."""
        return await self.run(visitor, None, lambda turn: self.members.opened(turn, token_of(start_parameter)))

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
        user = await self.store.account(visitor.user_id)
        if user is not None:
            return user.language
        return self.catalogs.negotiate(visitor.language_code) or self.catalogs.default

    def screens_for(self, language: str | None) -> Screens:
        return self.flow.screens_for(language)

    # -- the unit of work ------------------------------------------------------------------

    async def member(self, visitor: Visitor, step: Callable[[Turn], Awaitable[None]]) -> Outcome:
        """A companion's command (/suggestions, /settings, /privacy) in an association's turn:
        its step for a user on board, else what /start shows (the notice to agree to comes
        first)."""
        async def on_board_first(turn: Turn) -> None:
            await (step(turn) if turn.user is not None and turn.agreed else self.flow.start(turn))

        return await self.run(visitor, None, on_board_first)

    async def run(self, visitor: Visitor, source_ref: str | None,
                  step: Callable[[Turn], Awaitable[None]]) -> Outcome:
        """One association's action through the kernel's runner, in its language."""
        async def begin(user: User | None) -> Turn:
            if user is not None and user.blocked_at is not None:
                await self.store.set_blocked(user.id, False)  # they are writing again
            if user is not None:
                await self.store.set_member_blocked(visitor.user_id, False)
            language = user.language if user is not None else \
                self.catalogs.negotiate(visitor.language_code) or self.catalogs.default
            return Turn(visitor, user, self.screens_for(language), source_ref)

        _turn, outcome = await self.runner.run(visitor, begin, step)
        return outcome

    async def _say(self, turn: Turn, screen: Screen) -> None:
        turn.outcome.messages.append(screen)

    async def _press(self, turn: Turn, data: str | None) -> None:
        action = parse(data)
        if action is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        if companion := next((c for c in self.companions if action.kind in c.kinds), None):
            await companion.press(turn, action)  # its own codec's tap (`bot.kernel.actions`)
        elif not isinstance(action, Action):  # a staff or partner button: not the association's
            turn.outcome.toast = turn.screens.no_longer_applies()
        elif action.kind is Kind.LANGUAGE:
            await self.onboarding.pick_language(turn, action.value or "")
        elif action.kind is Kind.CONSENT:
            await self.onboarding.consent(turn, action.value or "")
        elif action.kind is Kind.DELETE:
            await self.deletion.delete(turn, action.value or "")
        elif action.kind is Kind.MEMBERS:
            await self.members.press(turn, action)
        elif action.kind is Kind.ROUND:
            turn.outcome.source_closed = True
            await self.flow.start(turn)  # the invitation's button: the new round begins (or goes on)
        else:
            await self.answering.tapped(turn, action)
