"""The summary of all answers: looking at them, changing one, and confirming the
questionnaire (which hands it to the companions, e.g. suggestions)."""

from __future__ import annotations

import functools
from typing import Any

from bot.questionnaire.engine import Answers
from bot.questionnaire.model import Question
from bot.storage import Submission
from bot.survey.flow import SurveyFlow
from bot.survey.turns import Turn


class Summary:
    def __init__(self, flow: SurveyFlow) -> None:
        self.flow = flow
        self.store = flow.store
        self.engine = flow.engine

    async def show(self, turn: Turn) -> None:
        user = turn.user
        if user is None or not turn.agreed:
            await self.flow.start(turn)
            return
        submission = await self.flow.submission(user)
        answers = self.flow.with_facts(user, await self.store.answers(submission.id))
        await self.store.set_cursor(submission.id, None)
        complete = self.engine.next_open(answers) is None
        await self.flow.prompt(turn, turn.screens.summary(submission, answers, complete))

    async def confirm(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        turn.outcome.source_closed = True
        if self.engine.next_open(answers) is not None:
            await self.flow.advance(turn, submission, answers)
            return
        await self.store.set_cursor(submission.id, None)
        await self.store.set_prompt_ref(submission.user_id, None)
        if submission.completed_at is not None:
            turn.outcome.messages.append(turn.screens.changes_saved())
            return
        await self.store.complete(submission.id)
        await self.store.log_event("submission_completed", submission.user_id, submission.id)
        turn.outcome.messages.append(turn.screens.thanks())
        if submission.previous_id is not None:
            turn.outcome.messages.append(turn.screens.changes_since_last_time(
                self.need_changes(await self.flow.previous(submission), answers)))
        done = await self.store.current_submission(submission.user_id) or submission
        for companion in self.flow.companions:
            await companion.completed(turn, done, dict(answers))
        for hook in self.flow.on_completed:
            turn.after.append(functools.partial(hook, done, dict(answers)))

    def need_changes(self, before: Answers, now: Answers) -> list[tuple[str, Question, Any, Any]]:
        """The topics whose need level differs between two rounds' answers."""
        matching = self.engine.questionnaire.matching
        if matching is None:
            return []
        labels = {o.id: o.label for o in self.engine.questionnaire.option_sets.get(matching.topics, [])}
        changes = []
        lowest = next((level for level, value in matching.intensity.items() if value == 0), None)
        for topic, question_id in matching.needs.items():
            question = self.engine.question(question_id)
            if question is None or (question_id not in before and question_id not in now):
                continue
            # An area not ticked (so its level not asked) has no need: the lowest level.
            was, is_ = before.get(question_id, lowest), now.get(question_id, lowest)
            if was != is_:
                changes.append((labels.get(topic, topic), question, was, is_))
        return changes
