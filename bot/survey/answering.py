"""Answering questions: typed text, tapped options, ticks of a multiple choice, and the
Back, Skip, Keep and Edit buttons. Every answer is stored in the turn's transaction."""

from __future__ import annotations

import re
from typing import Any

from bot.kernel.actions import Action, Kind
from bot.kernel.outcome import Edit, Screen
from bot.questionnaire.engine import Answers, InputError
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Submission
from bot.survey.flow import SurveyFlow
from bot.survey.summary import Summary
from bot.survey.turns import Turn

COMMAND = re.compile(r"/[A-Za-z][A-Za-z0-9_]*(?:@\w+)?(?:\s|$)")


class Answering:
    def __init__(self, flow: SurveyFlow, summary: Summary) -> None:
        self.flow = flow
        self.summary = summary
        self.store = flow.store
        self.engine = flow.engine

    async def typed(self, turn: Turn, text: str) -> None:
        user = turn.user
        if user is None:
            turn.outcome.messages.append(self.flow.picker(turn))
            return
        if not turn.agreed:
            turn.outcome.messages.append(Screen(text=turn.screens.consent_first()))
            turn.outcome.messages.append(self.flow.consent(turn))
            return
        if COMMAND.match(text.strip()):  # a command the bot does not know is never an answer
            await self.flow.reask(turn, turn.screens.help().text)
            return
        if user.awaiting:
            for companion in self.flow.companions:
                if await companion.typed(turn, text):
                    return
        submission, answers = await self.flow.submission_with_answers(user)
        question = self.engine.question(submission.cursor or "")
        if question is None and submission.completed_at is None and self.engine.next_open(answers) is None:
            # the summary before sending: a typed text answers the question offered there
            question = next(iter(self.engine.at_summary(answers)), None)
        if question is None or not self.engine.is_visible(question, answers):
            if submission.completed_at is not None and self.engine.next_open(answers) is None:
                turn.outcome.messages.append(turn.screens.already_complete())
                return
            await self.flow.reask(turn, turn.screens.use_buttons())
            return
        if question.type not in (QuestionType.TEXT, QuestionType.NUMBER):
            await self.flow.reask(turn, turn.screens.use_buttons())
            return
        value = self.engine.parse_text(question, text)
        if isinstance(value, InputError):
            turn.outcome.messages.append(Screen(text="⚠️ " + turn.screens.input_error(value)))
            return
        await self.flow.save(submission, question, value)
        answers[question.id] = value
        await self.flow.changed(turn, submission, answers)
        if user.prompt_ref:
            closed = turn.screens.answered(question, value)
            turn.outcome.edits.append(Edit(ref=user.prompt_ref, screen=closed))
            turn.closed_refs.add(user.prompt_ref)
        await self.flow.advance(turn, submission, answers)

    async def tapped(self, turn: Turn, action: Action) -> None:
        """A button of a question or of the summary."""
        user = turn.user
        stale = turn.screens.no_longer_applies()
        if user is None or not turn.agreed:
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        submission, stored = await self.store.current_with_answers(user.id)
        answers = self.flow.with_facts(user, stored)
        if submission is None or submission.id != action.submission:
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        if action.kind is Kind.CONFIRM:
            await self.summary.confirm(turn, submission, answers)
            return
        if action.kind is Kind.CONTINUE:
            turn.outcome.source_closed = True
            await self.flow.advance(turn, submission, answers)
            return
        question = self.engine.question(action.question or "")
        if question is None or not self.engine.is_visible(question, answers):
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        handlers = {
            Kind.ANSWER: self._answer, Kind.TOGGLE: self._toggle, Kind.DONE: self._done,
            Kind.BACK: self._back, Kind.SKIP: self._skip, Kind.KEEP: self._keep, Kind.EDIT: self._edit,
        }
        await handlers[action.kind](turn, submission, question, answers, action.value)

    async def _answer(self, turn: Turn, submission: Submission, question: Question,
                      answers: Answers, value: str | None) -> None:
        single = (QuestionType.SINGLE, QuestionType.SCALE, QuestionType.YESNO)
        if question.type not in single or self.engine.option(question, value or "") is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        await self._answer_and_go_on(turn, submission, question, answers, value)

    async def _answer_and_go_on(self, turn: Turn, submission: Submission, question: Question,
                                answers: Answers, value: Any) -> None:
        """Store a tapped answer, show it in the tapped message, move to the next open question."""
        await self.flow.save(submission, question, value)
        answers[question.id] = value
        await self.flow.changed(turn, submission, answers)
        turn.outcome.source = turn.screens.answered(question, value)
        await self.flow.advance(turn, submission, answers)

    async def _toggle(self, turn: Turn, submission: Submission, question: Question,
                      answers: Answers, value: str | None) -> None:
        if question.type is not QuestionType.MULTI or self.engine.option(question, value or "") is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        ticked = await self._ticked(submission, question, answers)
        ticked = [v for v in ticked if v != value] if value in ticked else [*ticked, value or ""]
        order = [o.id for o in self.engine.choices(question)]
        ticked.sort(key=order.index)
        await self.store.save_draft(submission.id, question.id, ticked)
        await self.store.set_cursor(submission.id, question.id)
        previous = (await self.flow.previous(submission)).get(question.id, ...)
        turn.outcome.source = turn.screens.question(submission, question, answers, draft=ticked, previous=previous)

    async def _ticked(self, submission: Submission, question: Question, answers: Answers) -> list[str]:
        """What is ticked: the draft, else the answer, else (a new round) the answer of last time."""
        draft = await self.store.draft(submission.id, question.id)
        if draft is not None:
            return draft
        if question.id in answers:
            return list(answers[question.id] or [])
        last = (await self.flow.previous(submission)).get(question.id)
        if isinstance(last, list) and self.engine.is_answer_valid(question, last):
            return list(last)
        return self.engine.preset(question, answers) or []

    async def _done(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        if question.type is not QuestionType.MULTI:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        ticked = await self._ticked(submission, question, answers)
        error = self.engine.check_selection(question, ticked)
        if error is not None:
            turn.outcome.toast = turn.screens.input_error(error)
            return
        await self._answer_and_go_on(turn, submission, question, answers, ticked)

    async def _back(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        previous = self.engine.previous(question, answers)
        if previous is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        turn.outcome.source = turn.screens.unanswered(question) if question.id not in answers \
            else turn.screens.answered(question, answers[question.id])
        await self.flow.show_question(turn, submission, previous, answers)

    async def _skip(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        if question.required:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        await self._answer_and_go_on(turn, submission, question, answers, None)

    async def _keep(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        if question.id not in answers:  # a new round: keep the answer of last time
            previous = await self.flow.previous(submission)
            if question.id not in previous or not self.engine.is_answer_valid(question, previous[question.id]):
                turn.outcome.toast = turn.screens.no_longer_applies()
                return
            await self._answer_and_go_on(turn, submission, question, answers, previous[question.id])
            return
        await self.store.drop_draft(submission.id, question.id)
        turn.outcome.source = turn.screens.answered(question, answers[question.id])
        await self.flow.advance(turn, submission, answers)

    async def _edit(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        turn.outcome.source_closed = True
        await self.flow.show_question(turn, submission, question, answers)
