"""The steps every part of the survey shares: which questionnaire a user is on, storing an
answer, and moving to the next screen with the live buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from bot.consent.notice import SAMPLE, NoticeFacts
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Edit, Screen
from bot.questionnaire.engine import Answers, Engine
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Store, Submission, User
from bot.storage.rounds import Round, RoundStore
from bot.survey.screens import Screens
from bot.survey.turns import Companion, CompletionHook, Turn


class SurveyFlow:
    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 facts: NoticeFacts = SAMPLE, companions: Sequence[Companion] = (),
                 on_completed: Sequence[CompletionHook] = ()) -> None:
        self.facts = facts  # who is responsible, how long data is kept: the privacy notice's facts
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.tz = tz
        self.rounds = RoundStore(store)
        # Services whose buttons and typed input arrive in the survey's turns and who hear of a
        # completed (or changed) questionnaire in its transaction: suggestions, privacy choices,
        # partners' contact requests.
        self.companions = tuple(companions)
        self.on_completed = tuple(on_completed)

    def screens_for(self, language: str | None) -> Screens:
        return Screens(self.catalogs.translator(language), self.engine, self.catalogs, self.facts)

    def consent(self, turn: Turn) -> Screen:
        """The privacy notice to agree to: for a new user, or again after it changed (with the
        choices made before)."""
        user = turn.user
        if user is None or user.consent_at is None:
            return turn.screens.consent()
        return turn.screens.consent(user.networking, user.sharing, changed=True)

    def picker(self, turn: Turn, note: str | None = None) -> Screen:
        """The language picker, the client's language first."""
        return turn.screens.language_picker(self.catalogs.negotiate(turn.visitor.language_code), note=note)

    # -- where the user is -----------------------------------------------------------------

    async def start(self, turn: Turn) -> None:
        """What /start does: the next step for whoever sends it."""
        user = turn.user
        if user is None:
            turn.outcome.messages.append(self.picker(turn))
            return
        if not turn.agreed:
            turn.outcome.messages.append(self.consent(turn))
            return
        submission = await self.submission(user)
        answers = await self.store.answers(submission.id)
        if submission.completed_at is not None and self.engine.next_open(answers) is None:
            turn.outcome.messages.append(turn.screens.already_complete())
            return
        if answers:
            turn.outcome.messages.append(turn.screens.welcome_back(submission, len(answers), self.tz))
        await self.advance(turn, submission, answers)

    async def reask(self, turn: Turn, note: str) -> None:
        """Polite notice, then the current step again with fresh buttons at the bottom."""
        user = turn.user
        if user is None:
            turn.outcome.messages.append(self.picker(turn, note=note))
            return
        turn.outcome.messages.append(Screen(text=note))
        if not turn.agreed:
            turn.outcome.messages.append(self.consent(turn))
            return
        submission = await self.submission(user)
        answers = await self.store.answers(submission.id)
        if self.finished(submission, answers):
            turn.outcome.messages.append(turn.screens.already_complete())
            return
        await self.show_cursor(turn, submission, answers)

    def finished(self, submission: Submission, answers: Answers) -> bool:
        """Completed, nothing left open, and not in the middle of changing an answer."""
        return submission.completed_at is not None and self.engine.next_open(answers) is None \
            and submission.cursor is None

    async def submission_with_answers(self, user: User) -> tuple[Submission, Answers]:
        submission, answers = await self.store.current_with_answers(user.id)
        if submission is None or await self.new_round(submission) is not None:
            return await self.submission(user), {}
        return submission, answers

    async def submission(self, user: User) -> Submission:
        """The user's questionnaire: the latest one, or a new one when there is none yet or a
        round opened after their last one was completed (its answers become the defaults)."""
        submission = await self.store.current_submission(user.id)
        new_round = await self.new_round(submission) if submission is not None else None
        if submission is None or new_round is not None:
            questionnaire = self.engine.questionnaire
            current = new_round or await self.rounds.latest()
            previous = submission.id if submission is not None else None
            submission = await self.store.create_submission(user.id, questionnaire.id, questionnaire.version,
                                                            current.id if current else None, previous)
            await self.store.log_event("submission_started", user.id, submission.id,
                                       **({"round": current.name} if current else {}))
        return submission

    async def new_round(self, submission: Submission) -> Round | None:
        """The round to start for a completed questionnaire from an earlier round, if any."""
        if submission.completed_at is None:
            return None
        latest = await self.rounds.latest()
        return latest if latest is not None and latest.id != submission.round_id else None

    async def previous(self, submission: Submission) -> Answers:
        """The answers of the earlier round this questionnaire repeats (its defaults)."""
        return await self.store.answers(submission.previous_id) if submission.previous_id else {}

    # -- moving on -------------------------------------------------------------------------

    async def save(self, submission: Submission, question: Question, value: Any) -> None:
        await self.store.save_answer(submission.id, question.id, value, question.renamed_from)
        await self.store.log_event("answer", submission.user_id, submission.id, question=question.id)
        if question.id == self.engine.questionnaire.organisation_name and isinstance(value, str):
            await self.store.set_organisation_name(submission.id, value)

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """After an answer was stored: a completed questionnaire's companions hear of it."""
        if submission.completed_at is not None:
            for companion in self.companions:
                await companion.changed(turn, submission, dict(answers))

    async def advance(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """Go to the next open question, or to the summary when none is left."""
        question = self.engine.next_open(answers)
        if question is None:
            await self.store.set_cursor(submission.id, None)
            await self.prompt(turn, turn.screens.summary(submission, answers, complete=True))
        else:
            await self.show_question(turn, submission, question, answers)

    async def show_cursor(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        question = self.engine.question(submission.cursor or "")
        if question is not None and self.engine.is_visible(question, answers):
            await self.show_question(turn, submission, question, answers)
        elif submission.cursor is None and self.engine.next_open(answers) is None:
            await self.prompt(turn, turn.screens.summary(submission, answers, complete=True))
        else:
            await self.advance(turn, submission, answers)

    async def show_question(self, turn: Turn, submission: Submission, question: Question,
                            answers: Answers) -> None:
        await self.store.set_cursor(submission.id, question.id)
        draft = await self.store.draft(submission.id, question.id) \
            if question.type is QuestionType.MULTI else None
        previous = (await self.previous(submission)).get(question.id, ...)
        await self.prompt(turn, turn.screens.question(submission, question, answers, draft, previous=previous))

    async def prompt(self, turn: Turn, screen: Screen) -> None:
        """Send a screen with live buttons; the previous live buttons are taken away."""
        ref = turn.user.prompt_ref if turn.user else None
        if ref and ref != turn.source_ref and ref not in turn.closed_refs:
            turn.outcome.edits.append(Edit(ref=ref))
            turn.closed_refs.add(ref)
        if turn.user is not None and ref:
            # Forgotten in this turn's transaction: if the bot dies after sending the new screen
            # but before it learns the message's id, no later turn may take the old message for
            # this one (a typed answer would overwrite it with the wrong question).
            await self.store.set_prompt_ref(turn.user.id, None)
        turn.outcome.messages.append(screen)
