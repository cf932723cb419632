"""The first steps and the language: choosing it, agreeing to the privacy notice, changing
the language later."""

from __future__ import annotations

from bot.survey.flow import SurveyFlow
from bot.survey.turns import Turn


class Onboarding:
    def __init__(self, flow: SurveyFlow) -> None:
        self.flow = flow
        self.store = flow.store

    async def choose_language(self, turn: Turn) -> None:
        preferred = turn.user.language if turn.user else self.flow.catalogs.negotiate(turn.visitor.language_code)
        turn.outcome.messages.append(turn.screens.language_picker(preferred))

    async def pick_language(self, turn: Turn, code: str) -> None:
        if code not in self.flow.catalogs.languages:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        await self.store.set_language(turn.visitor.user_id, code)
        turn.screens = self.flow.screens_for(code)
        turn.outcome.source = turn.screens.language_chosen(code)
        user = turn.user
        if user is None or user.consent_at is None:
            await self.store.log_event("language_chosen", turn.visitor.user_id, language=code)
            turn.outcome.messages.append(turn.screens.consent())
            return
        await self.store.log_event("language_changed", user.id, language=code)
        turn.outcome.messages.append(turn.screens.language_changed(code))
        submission = await self.flow.submission(user)
        answers = await self.store.answers(submission.id)
        if self.flow.finished(submission, answers):
            return
        await self.flow.show_cursor(turn, submission, answers)

    async def consent(self, turn: Turn, accept: bool) -> None:
        user = turn.user
        if user is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            turn.outcome.messages.append(self.flow.picker(turn))
            return
        if user.consent_at is not None:
            turn.outcome.source_closed = True
            await self.flow.start(turn)
            return
        if not accept:
            await self.store.delete_user(user.id)
            await self.store.log_event("consent_declined")
            turn.outcome.source_closed = True
            turn.outcome.messages.append(turn.screens.declined())
            return
        await self.store.set_consent(user.id)
        submission = await self.flow.submission(user)
        await self.store.log_event("consent_given", user.id, submission.id)
        turn.outcome.source = turn.screens.consent_given()
        turn.outcome.messages.append(turn.screens.intro(len(self.flow.engine.visible({}))))
        await self.flow.advance(turn, submission, {})
