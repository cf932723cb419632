"""The first steps and the language: choosing it, agreeing to the privacy notice, changing
the language later."""

from __future__ import annotations

from bot.consent.notice import NOTICE_VERSION, Purpose
from bot.consent.screens import read_consent_value
from bot.storage import User
from bot.storage.consents import ConsentStore
from bot.survey.flow import SurveyFlow
from bot.survey.turns import Turn


class Onboarding:
    def __init__(self, flow: SurveyFlow) -> None:
        self.flow = flow
        self.store = flow.store

    async def choose_language(self, turn: Turn) -> None:
        user = turn.user
        turn.outcome.messages.append(turn.screens.language_picker(user.language if user else None,
                                                                  greet=user is None))

    async def pick_language(self, turn: Turn, code: str) -> None:
        if code not in self.flow.catalogs.offered:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        key = await self.store.set_language(turn.visitor.user_id, code)  # this member's; a new one founds
        turn.outcome.menu_language = code
        turn.screens = self.flow.screens_for(code)
        turn.outcome.source = turn.screens.language_chosen(code)
        user = turn.user
        if user is None or not turn.agreed:
            await self.store.log_event("language_chosen", key, language=code)
            turn.outcome.messages.append(self.flow.consent(turn))
            return
        await self.store.log_event("language_changed", user.id, language=code)
        turn.outcome.messages.append(turn.screens.language_changed(code))
        await self._carry_on(turn, user)

    async def consent(self, turn: Turn, value: str) -> None:
        """A tap on the consent screen: a choice shown anew, the full text, agree or decline."""
        user, parsed = turn.user, read_consent_value(value)
        if user is None or parsed is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            if user is None:
                turn.outcome.messages.append(self.flow.picker(turn))
            return
        what, networking, partners = parsed
        if turn.agreed:  # the buttons of a notice agreed to already
            turn.outcome.source_closed = True
            await self.flow.start(turn)
            return
        changed = user.consent_at is not None  # agreed to an earlier notice
        if what == "t":
            turn.outcome.source = turn.screens.consent(networking, partners, changed)
        elif what == "m":  # the full text, then the choices again below it
            turn.outcome.source_closed = True
            turn.outcome.messages += [turn.screens.notice.full(), turn.screens.consent(networking, partners, changed)]
        elif what == "n" and changed:  # declining a changed notice means deleting: ask first
            turn.outcome.source_closed = True
            turn.outcome.messages.append(turn.screens.delete_question())
        elif what == "n":
            await self.store.delete_user(user.id)
            await self.store.log_event("consent_declined")
            turn.after.append(self.store.eraser.settle)
            turn.outcome.source_closed = True
            turn.outcome.messages.append(turn.screens.declined())
        else:
            await self._agree(turn, user, networking, partners, changed)

    async def _agree(self, turn: Turn, user: User, networking: bool, partners: bool, changed: bool) -> None:
        choices = {Purpose.NETWORKING.value: networking, Purpose.PARTNERS.value: partners}
        consents = ConsentStore(self.store)
        await consents.agree(user.id, NOTICE_VERSION, choices)
        if user.networking and not networking:
            await consents.withdraw_networking(user.id)
        turn.user = user = user.model_copy(update={
            "consent_at": self.store.now(), "notice_version": NOTICE_VERSION, "networking": networking,
            "sharing": partners})
        submission = await self.flow.submission(user)
        await self.store.log_event("consent_given", user.id, submission.id, notice=NOTICE_VERSION, **choices)
        turn.outcome.source = turn.screens.notice.agreed(networking, partners)
        if changed:
            await self._carry_on(turn, user)
            return
        turn.outcome.messages.append(turn.screens.intro(*self.flow.engine.path_lengths()))
        await self.flow.advance(turn, submission, self.flow.with_facts(user, {}))

    async def _carry_on(self, turn: Turn, user: User) -> None:
        """Back to where the user was: the question they were on, or nothing when done."""
        submission = await self.flow.submission(user)
        answers = self.flow.with_facts(user, await self.store.answers(submission.id))
        if self.flow.finished(submission, answers):
            return
        await self.flow.show_cursor(turn, submission, answers)
