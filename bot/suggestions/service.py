"""Suggestions back to the associations: on completion, on /suggestions, and when new offers
arrive; "Interested" / "Not for us"; calendar files and reminders; double opt-in introductions.

Everything that goes out is put in the durable outbox inside the same transaction as the
change that caused it, so a crash can neither lose a suggestion nor send one twice. The parts:
`Offering` (the cards), `Reactions` (taps on them), `Introductions`, `Pushes` (new offers).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, tzinfo

from bot.kernel.actions import Action, IntroTap, Kind, SuggestionTap, Tap
from bot.kernel.i18n import Catalogs
from bot.kernel.offload import Offload
from bot.outbox import Parcel
from bot.outbox.schedule import QUIET
from bot.questionnaire.engine import Answers, Engine
from bot.storage import Store, Submission
from bot.storage.outbox import OutboxRow
from bot.suggestions.context import SuggestionContext
from bot.suggestions.index import ProfileIndex
from bot.suggestions.introductions import Introductions
from bot.suggestions.matching import Match, NeedProfile
from bot.suggestions.mine import CALENDAR, TAKE_BACK, MyWorkshops
from bot.suggestions.offering import Known, Offering
from bot.suggestions.pushes import Pushes
from bot.suggestions.reactions import Reactions
from bot.suggestions.screens import SuggestionScreens, as_reasons
from bot.survey.turns import Turn

log = logging.getLogger(__name__)


class SuggestionService:
    kinds = frozenset({Kind.SUGGESTION, Kind.INTRO, Kind.PUSHES})

    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 quiet: tuple[time, time] | None = QUIET,
                 interest_changed: Sequence[Callable[[str, int], Awaitable[None]]] = (),
                 offload: Offload | None = None) -> None:
        self.context = SuggestionContext(store, engine, catalogs, tz, quiet, interest_changed, offload)
        self.matching = self.context.matching
        self.store = store
        self.engine = engine
        self.tz = tz
        self.offering = Offering(self.context)
        self.introductions = Introductions(self.context)
        self.reactions = Reactions(self.context, self.introductions)
        self.pushes = Pushes(self.context)
        self.mine = MyWorkshops(self.context)
        self.index = ProfileIndex(self.context)

    @property
    def quiet(self) -> tuple[time, time] | None:
        return self.context.quiet

    def later(self) -> datetime:
        """When an unsolicited message may go out: now, or after the quiet hours."""
        return self.context.later()

    def screens(self, language: str | None) -> SuggestionScreens:
        return self.context.screens(language)

    # -- commands (steps of an association's turn; `SurveyService.member` runs them) ---------

    async def show(self, turn: Turn) -> None:
        """/suggestions: the current best, as cards through the outbox."""
        assert turn.user is not None
        latest = await self.store.latest_completed(turn.user.id)
        if latest is None:
            turn.outcome.messages.append(self.screens(turn.user.language).complete_first())
            return
        await self.offering.offer(turn, latest[0], latest[1])

    async def settings(self, turn: Turn) -> None:
        assert turn.user is not None
        turn.outcome.messages.append(self.screens(turn.user.language).settings(turn.user.pushes))

    async def my_workshops(self, turn: Turn) -> None:
        """/myworkshops: the workshops the association marked, to register, to put in the calendar
        again, or to take back."""
        assert turn.user is not None
        await self.mine.show(turn, self.screens(turn.user.language))

    async def best(self, profile: NeedProfile, known: Known | None = None) -> list[Match]:
        return await self.offering.best(profile, known)

    # -- the survey's companion hooks --------------------------------------------------------

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        await self.index.update(submission.user_id, submission.id, answers)
        await self.offering.offer(turn, submission, answers)

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        latest = await self.store.latest_completed(submission.user_id)
        if latest is not None and latest[0].id == submission.id:  # the one matching reads
            await self.index.update(submission.user_id, submission.id, answers)

    async def press(self, turn: Turn, tap: Tap) -> None:
        user = turn.user
        screens = self.screens(user.language if user else None)
        if user is None or not turn.agreed:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        if isinstance(tap, Action) and tap.kind is Kind.PUSHES:
            on = tap.value == "on"
            await self.store.set_pushes(user.id, on)
            await self.store.log_event("pushes_changed", user.id, on=on)
            turn.outcome.source = screens.settings(on)
        elif isinstance(tap, IntroTap):
            await self.introductions.decide(turn, screens, tap.introduction_id, tap.accept)
        elif isinstance(tap, SuggestionTap) and tap.choice in (CALENDAR, TAKE_BACK):
            await self.mine.press(turn, screens, tap.suggestion_id, tap.choice)
        elif isinstance(tap, SuggestionTap):
            await self.reactions.answer(turn, screens, tap.suggestion_id, tap.choice == "i")
        else:
            turn.outcome.toast = turn.screens.no_longer_applies()

    async def typed(self, turn: Turn, text: str) -> bool:
        return await self.introductions.typed(turn, text)

    # -- new offers ------------------------------------------------------------------------

    async def offers_added(self, workshop_ids: list[str]) -> dict[int, list[str]]:
        return await self.pushes.offers_added(workshop_ids)

    async def workshops_changed(self, workshop_ids: list[str]) -> None:
        await self.pushes.workshops_changed(workshop_ids)

    # -- composing due outbox rows -----------------------------------------------------------

    async def push_card(self, row: OutboxRow) -> Parcel | None:
        """The composer of a "push" row (see `bot.outbox.composers`)."""
        if row.user_id is None:
            return None
        return await self._push_card(row.user_id, int(str(row.payload.get("suggestion") or 0)))

    async def workshop_reminder(self, row: OutboxRow) -> Parcel | None:
        """The composer of a "reminder" row."""
        if row.user_id is None:
            return None
        return await self._workshop_reminder(row.user_id, str(row.payload.get("workshop")))

    async def _push_card(self, user_id: int, suggestion_id: int) -> Parcel | None:
        """A new offer's card, drawn now in the reader's language; nothing when it no longer
        applies (dismissed, gone, started, the user gone)."""
        suggestion = await self.context.suggestions.get(suggestion_id)
        user = await self.store.user(user_id)
        if suggestion is None or user is None or suggestion.user_id != user_id or suggestion.state == "dismissed":
            return None
        workshop = await self.context.catalog.workshop(suggestion.ref)
        if workshop is None or workshop.start <= self.store.now():
            return None
        screens = self.screens(user.language)
        provider = await self.context.catalog.partner(workshop.provider)
        card = screens.workshop_card(suggestion.id, workshop, provider, as_reasons(suggestion.reasons),
                                     screens.new_offer_heading())
        return Parcel(kind="screen", screen=card)

    async def _workshop_reminder(self, user_id: int, workshop_id: str) -> Parcel | None:
        """The evening before: only while the workshop is ahead and the user still interested."""
        workshop = await self.context.catalog.workshop(workshop_id)
        user = await self.store.user(user_id)
        if workshop is None or user is None or workshop.start <= self.store.now():
            return None
        suggestion = await self.context.suggestions.find(user.id, "workshop", workshop.id)
        if suggestion is None or suggestion.state != "interested":
            return None
        return Parcel(kind="screen", screen=self.screens(user.language).reminder(workshop))
