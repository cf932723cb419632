"""`/privacy`: the notice and the optional purposes at any time; each switched on or off with
immediate effect, and withdrawing the required one is `/delete`."""

from __future__ import annotations

from datetime import tzinfo

from bot.consent.notice import NOTICE_VERSION, Purpose
from bot.kernel.actions import Action, Kind, Tap
from bot.kernel.outcome import Screen
from bot.questionnaire.engine import Answers
from bot.storage import Store, Submission
from bot.storage.consents import ConsentStore
from bot.survey.turns import Turn


class PrivacyChoices:
    """A companion of the survey: its buttons arrive through the survey's turns."""

    kinds = frozenset({Kind.PRIVACY})

    def __init__(self, store: Store, tz: tzinfo) -> None:
        self.store = store
        self.tz = tz
        self.consents = ConsentStore(store)

    async def show(self, turn: Turn) -> None:
        """/privacy for a user on board (`SurveyService.member`: the notice to agree to comes first)."""
        turn.outcome.messages.append(self._overview(turn))

    def _overview(self, turn: Turn) -> Screen:
        user = turn.user
        assert user is not None
        return turn.screens.notice.overview(user.consent_at, self.tz, user.networking, user.sharing)

    async def press(self, turn: Turn, tap: Tap) -> None:
        user, value = turn.user, tap.value or "" if isinstance(tap, Action) else ""
        if user is None or not turn.agreed:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        notice = turn.screens.notice
        if value == "full":
            turn.outcome.messages.append(notice.full())
        elif value == "delete":
            turn.outcome.source_closed = True
            turn.outcome.messages.append(turn.screens.delete_question())
        elif value in ("n0", "n1", "p0", "p1"):
            on = value[1] == "1"
            purpose = Purpose.NETWORKING if value[0] == "n" else Purpose.PARTNERS
            if (user.networking if purpose is Purpose.NETWORKING else user.sharing) != on:
                await self.consents.change(user.id, purpose.value, on, NOTICE_VERSION)
                if purpose is Purpose.NETWORKING and not on:
                    await self.consents.withdraw_networking(user.id)
                await self.store.log_event("consent_changed", user.id, purpose=purpose.value, given=on,
                                           notice=NOTICE_VERSION)
            field = "networking" if purpose is Purpose.NETWORKING else "sharing"
            turn.user = turn.user.model_copy(update={field: on}) if turn.user else None
            turn.outcome.source = self._overview(turn)
            turn.outcome.messages.append(Screen(text=notice.networking_changed(on) if purpose is Purpose.NETWORKING
                                                else notice.partners_changed(on)))
        else:
            turn.outcome.toast = turn.screens.no_longer_applies()

    async def typed(self, turn: Turn, text: str) -> bool:
        return False

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        return None

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        return None
