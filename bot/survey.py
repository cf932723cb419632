"""The survey conversation as plain async Python: one call per user action, one transaction each.

Adapters pass in who acted and what they did; they get back an Outcome to display. Every
answer is committed before the Outcome is returned, so the next question is only ever sent
for an answer that is already safe in the database.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Protocol

from bot.actions import Action, Kind, parse
from bot.engine import Answers, Engine, InputError
from bot.i18n import Catalogs
from bot.questionnaire.model import Question, QuestionType
from bot.screens import Edit, Outcome, Screen, Screens
from bot.storage import Store, Submission, User
from bot.storage.rounds import Round, RoundStore

log = logging.getLogger(__name__)

CompletionHook = Callable[[Submission, Answers], Awaitable[None]]


class Companion(Protocol):
    """A service that shares the survey's turns: its own buttons, typed input it asked for,
    and work to do in the transaction that completes a questionnaire."""

    kinds: frozenset[Kind]

    async def press(self, turn: Turn, action: Action) -> None: ...

    async def typed(self, turn: Turn, text: str) -> bool: ...

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None: ...


@dataclass(frozen=True)
class Visitor:
    """Who acts: the user id, the client's language tag, and the update id (for repeats)."""

    user_id: int
    language_code: str | None = None
    event_id: int | None = None


@dataclass
class Turn:
    visitor: Visitor
    user: User | None
    screens: Screens
    source_ref: str | None = None
    outcome: Outcome = field(default_factory=Outcome)
    after: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closed_refs: set[str] = field(default_factory=set)


async def run_after_commit(hooks: list[Callable[[], Awaitable[None]]]) -> None:
    """Work that must only happen once the transaction is committed (waking the outbox,
    pushes); a failure is logged and never undoes what was saved."""
    for hook in hooks:
        try:
            await hook()
        except Exception:
            log.exception("after-commit step failed")


class SurveyService:
    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 on_completed: list[CompletionHook] | None = None) -> None:
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.tz = tz
        self.on_completed: list[CompletionHook] = list(on_completed or [])
        self.rounds = RoundStore(store)
        self.companions: list[Companion] = []

    # -- entry points ----------------------------------------------------------------------

    async def start(self, visitor: Visitor) -> Outcome:
        return await self._run(visitor, None, self._start)

    async def help(self, visitor: Visitor) -> Outcome:
        return await self._run(visitor, None, self._help)

    async def show_answers(self, visitor: Visitor) -> Outcome:
        return await self._run(visitor, None, self._show_answers)

    async def choose_language(self, visitor: Visitor) -> Outcome:
        return await self._run(visitor, None, self._choose_language)

    async def ask_delete(self, visitor: Visitor) -> Outcome:
        return await self._run(visitor, None, self._ask_delete)

    async def press(self, visitor: Visitor, data: str | None, source_ref: str | None = None) -> Outcome:
        return await self._run(visitor, source_ref, lambda turn: self._press(turn, data))

    async def text(self, visitor: Visitor, text: str) -> Outcome:
        return await self._run(visitor, None, lambda turn: self._text(turn, text))

    async def unsupported(self, visitor: Visitor) -> Outcome:
        return await self._run(visitor, None, lambda turn: self._reask(turn, turn.screens.only_text()))

    async def edited(self, visitor: Visitor) -> Outcome:
        """An edited message is not read again (its first version may already be an answer):
        a short note says so and how to change an answer."""
        return await self._run(visitor, None, self._edited)

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
        return Screens(self.catalogs.translator(language), self.engine, self.catalogs)

    # -- the unit of work ------------------------------------------------------------------

    async def run(self, visitor: Visitor, source_ref: str | None,
                  step: Callable[[Turn], Awaitable[None]]) -> Outcome:
        """One user action as one transaction; companions use it for their commands too."""
        return await self._run(visitor, source_ref, step)

    async def _run(self, visitor: Visitor, source_ref: str | None,
                   step: Callable[[Turn], Awaitable[None]]) -> Outcome:
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
        return turn.outcome

    async def run_start(self, turn: Turn) -> None:
        """What /start does, for companions whose commands need the user on board first."""
        await self._start(turn)

    # -- commands --------------------------------------------------------------------------

    async def _start(self, turn: Turn) -> None:
        user = turn.user
        if user is None:
            turn.outcome.messages.append(
                turn.screens.language_picker(self.catalogs.negotiate(turn.visitor.language_code)))
            return
        if user.consent_at is None:
            turn.outcome.messages.append(turn.screens.consent())
            return
        submission = await self._submission(user)
        answers = await self.store.answers(submission.id)
        if submission.completed_at is not None and self.engine.next_open(answers) is None:
            turn.outcome.messages.append(turn.screens.already_complete())
            return
        if answers:
            turn.outcome.messages.append(turn.screens.welcome_back(submission, len(answers), self.tz))
        await self._advance(turn, submission, answers)

    async def _help(self, turn: Turn) -> None:
        turn.outcome.messages.append(turn.screens.help())

    async def _edited(self, turn: Turn) -> None:
        turn.outcome.messages.append(Screen(text=turn.screens.edits_not_read()))

    async def _show_answers(self, turn: Turn) -> None:
        user = turn.user
        if user is None or user.consent_at is None:
            await self._start(turn)
            return
        submission = await self._submission(user)
        answers = await self.store.answers(submission.id)
        await self.store.set_cursor(submission.id, None)
        complete = self.engine.next_open(answers) is None
        await self._prompt(turn, turn.screens.summary(submission, answers, complete))

    async def _choose_language(self, turn: Turn) -> None:
        preferred = turn.user.language if turn.user else self.catalogs.negotiate(turn.visitor.language_code)
        turn.outcome.messages.append(turn.screens.language_picker(preferred))

    async def _ask_delete(self, turn: Turn) -> None:
        if turn.user is None:
            turn.outcome.messages.append(turn.screens.nothing_stored())
        else:
            turn.outcome.messages.append(turn.screens.delete_question())

    # -- typed input -----------------------------------------------------------------------

    async def _text(self, turn: Turn, text: str) -> None:
        user = turn.user
        if user is None:
            turn.outcome.messages.append(turn.screens.language_picker(
                self.catalogs.negotiate(turn.visitor.language_code)))
            return
        if user.consent_at is None:
            turn.outcome.messages.append(Screen(text=turn.screens.consent_first()))
            turn.outcome.messages.append(turn.screens.consent())
            return
        if user.awaiting:
            for companion in self.companions:
                if await companion.typed(turn, text):
                    return
        submission, answers = await self._submission_with_answers(user)
        question = self.engine.question(submission.cursor or "")
        if question is None or not self.engine.is_visible(question, answers):
            if submission.completed_at is not None and self.engine.next_open(answers) is None:
                turn.outcome.messages.append(turn.screens.already_complete())
                return
            await self._reask(turn, turn.screens.use_buttons())
            return
        if question.type not in (QuestionType.TEXT, QuestionType.NUMBER):
            await self._reask(turn, turn.screens.use_buttons())
            return
        value = self.engine.parse_text(question, text)
        if isinstance(value, InputError):
            turn.outcome.messages.append(Screen(text="⚠️ " + turn.screens.input_error(value)))
            return
        await self._save(turn, submission, question, value)
        answers[question.id] = value
        if user.prompt_ref:
            closed = turn.screens.answered(question, value)
            turn.outcome.edits.append(Edit(ref=user.prompt_ref, screen=closed))
            turn.closed_refs.add(user.prompt_ref)
        await self._advance(turn, submission, answers)

    async def _reask(self, turn: Turn, note: str) -> None:
        """Polite notice, then the current step again with fresh buttons at the bottom."""
        user = turn.user
        if user is None:
            turn.outcome.messages.append(turn.screens.language_picker(
                self.catalogs.negotiate(turn.visitor.language_code), note=note))
            return
        turn.outcome.messages.append(Screen(text=note))
        if user.consent_at is None:
            turn.outcome.messages.append(turn.screens.consent())
            return
        submission = await self._submission(user)
        answers = await self.store.answers(submission.id)
        if submission.completed_at is not None and self.engine.next_open(answers) is None \
                and submission.cursor is None:
            turn.outcome.messages.append(turn.screens.already_complete())
            return
        await self._show_cursor(turn, submission, answers)

    # -- buttons ---------------------------------------------------------------------------

    async def _press(self, turn: Turn, data: str | None) -> None:
        action = parse(data)
        if action is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        if action.kind is Kind.LANGUAGE:
            await self._pick_language(turn, action.value or "")
        elif action.kind is Kind.CONSENT:
            await self._consent(turn, action.value == "y")
        elif action.kind is Kind.DELETE:
            await self._delete(turn, action.value == "y")
        elif action.kind is Kind.ROUND:
            turn.outcome.source_closed = True
            await self._start(turn)  # the invitation's button: the new round begins (or goes on)
        elif companion := next((c for c in self.companions if action.kind in c.kinds), None):
            await companion.press(turn, action)
        else:
            await self._survey_action(turn, action)

    async def _pick_language(self, turn: Turn, code: str) -> None:
        if code not in self.catalogs.languages:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        await self.store.set_language(turn.visitor.user_id, code)
        turn.screens = self.screens_for(code)
        turn.outcome.source = turn.screens.language_chosen(code)
        user = turn.user
        if user is None or user.consent_at is None:
            await self.store.log_event("language_chosen", turn.visitor.user_id, language=code)
            turn.outcome.messages.append(turn.screens.consent())
            return
        await self.store.log_event("language_changed", user.id, language=code)
        turn.outcome.messages.append(turn.screens.language_changed(code))
        submission = await self._submission(user)
        answers = await self.store.answers(submission.id)
        if submission.completed_at is not None and self.engine.next_open(answers) is None \
                and submission.cursor is None:
            return
        await self._show_cursor(turn, submission, answers)

    async def _consent(self, turn: Turn, accept: bool) -> None:
        user = turn.user
        if user is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            turn.outcome.messages.append(turn.screens.language_picker(
                self.catalogs.negotiate(turn.visitor.language_code)))
            return
        if user.consent_at is not None:
            turn.outcome.source_closed = True
            await self._start(turn)
            return
        if not accept:
            await self.store.delete_user(user.id)
            await self.store.log_event("consent_declined")
            turn.outcome.source_closed = True
            turn.outcome.messages.append(turn.screens.declined())
            return
        await self.store.set_consent(user.id)
        submission = await self._submission(user)
        await self.store.log_event("consent_given", user.id, submission.id)
        turn.outcome.source = turn.screens.consent_given()
        turn.outcome.messages.append(turn.screens.intro(len(self.engine.visible({}))))
        await self._advance(turn, submission, {})

    async def _delete(self, turn: Turn, confirmed: bool) -> None:
        turn.outcome.source_closed = True
        if not confirmed:
            turn.outcome.messages.append(turn.screens.kept())
            return
        if turn.user is not None:
            await self.store.delete_user(turn.user.id)
            await self.store.log_event("user_deleted")
            turn.after.append(self.store.checkpoint)  # erased rows leave the log file too
        turn.outcome.messages.append(turn.screens.deleted())

    async def _survey_action(self, turn: Turn, action: Action) -> None:
        user = turn.user
        stale = turn.screens.no_longer_applies()
        if user is None or user.consent_at is None:
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        submission, answers = await self.store.current_with_answers(user.id)
        if submission is None or submission.id != action.submission:
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        if action.kind is Kind.CONFIRM:
            await self._confirm(turn, submission, answers)
            return
        if action.kind is Kind.CONTINUE:
            turn.outcome.source_closed = True
            await self._advance(turn, submission, answers)
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
        await self._save(turn, submission, question, value)
        answers[question.id] = value
        turn.outcome.source = turn.screens.answered(question, value)
        await self._advance(turn, submission, answers)

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
        previous = (await self._previous(submission)).get(question.id, ...)
        turn.outcome.source = turn.screens.question(submission, question, answers, draft=ticked, previous=previous)

    async def _ticked(self, submission: Submission, question: Question, answers: Answers) -> list[str]:
        """What is ticked: the draft, else the answer, else (a new round) the answer of last time."""
        draft = await self.store.draft(submission.id, question.id)
        if draft is not None:
            return draft
        if question.id in answers:
            return list(answers[question.id] or [])
        last = (await self._previous(submission)).get(question.id)
        return list(last) if isinstance(last, list) and self.engine.is_answer_valid(question, last) else []

    async def _previous(self, submission: Submission) -> Answers:
        """The answers of the earlier round this questionnaire repeats (its defaults)."""
        return await self.store.answers(submission.previous_id) if submission.previous_id else {}

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
        await self._show_question(turn, submission, previous, answers)

    async def _skip(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        if question.required:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        await self._answer_and_go_on(turn, submission, question, answers, None)

    async def _keep(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        if question.id not in answers:  # a new round: keep the answer of last time
            previous = await self._previous(submission)
            if question.id not in previous or not self.engine.is_answer_valid(question, previous[question.id]):
                turn.outcome.toast = turn.screens.no_longer_applies()
                return
            await self._answer_and_go_on(turn, submission, question, answers, previous[question.id])
            return
        await self.store.drop_draft(submission.id, question.id)
        turn.outcome.source = turn.screens.answered(question, answers[question.id])
        await self._advance(turn, submission, answers)

    async def _edit(self, turn: Turn, submission: Submission, question: Question,
                    answers: Answers, _value: str | None) -> None:
        turn.outcome.source_closed = True
        await self._show_question(turn, submission, question, answers)

    async def _confirm(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        turn.outcome.source_closed = True
        if self.engine.next_open(answers) is not None:
            await self._advance(turn, submission, answers)
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
                self.need_changes(await self._previous(submission), answers)))
        done = await self.store.current_submission(submission.user_id) or submission
        for companion in self.companions:
            await companion.completed(turn, done, dict(answers))
        for hook in self.on_completed:
            turn.after.append(functools.partial(hook, done, dict(answers)))

    def need_changes(self, before: Answers, now: Answers) -> list[tuple[str, Question, Any, Any]]:
        """The topics whose need level differs between two rounds' answers."""
        matching = self.engine.questionnaire.matching
        if matching is None:
            return []
        labels = {o.id: o.label for o in self.engine.questionnaire.option_sets.get(matching.topics, [])}
        changes = []
        for topic, question_id in matching.needs.items():
            question = self.engine.question(question_id)
            if question is None or question_id not in before or question_id not in now:
                continue
            if before[question_id] != now[question_id]:
                changes.append((labels.get(topic, topic), question, before[question_id], now[question_id]))
        return changes

    # -- shared steps ----------------------------------------------------------------------

    async def _submission_with_answers(self, user: User) -> tuple[Submission, Answers]:
        submission, answers = await self.store.current_with_answers(user.id)
        if submission is None or await self._new_round(submission) is not None:
            return await self._submission(user), {}
        return submission, answers

    async def _submission(self, user: User) -> Submission:
        """The user's questionnaire: the latest one, or a new one when there is none yet or a
        round opened after their last one was completed (its answers become the defaults)."""
        submission = await self.store.current_submission(user.id)
        new_round = await self._new_round(submission) if submission is not None else None
        if submission is None or new_round is not None:
            questionnaire = self.engine.questionnaire
            current = new_round or await self.rounds.latest()
            previous = submission.id if submission is not None else None
            submission = await self.store.create_submission(user.id, questionnaire.id, questionnaire.version,
                                                            current.id if current else None, previous)
            await self.store.log_event("submission_started", user.id, submission.id,
                                       **({"round": current.name} if current else {}))
        return submission

    async def _new_round(self, submission: Submission) -> Round | None:
        """The round to start for a completed questionnaire from an earlier round, if any."""
        if submission.completed_at is None:
            return None
        latest = await self.rounds.latest()
        return latest if latest is not None and latest.id != submission.round_id else None

    async def _save(self, turn: Turn, submission: Submission, question: Question, value: Any) -> None:
        await self.store.save_answer(submission.id, question.id, value, question.renamed_from)
        await self.store.log_event("answer", submission.user_id, submission.id, question=question.id)
        if question.id == self.engine.questionnaire.organisation_name and isinstance(value, str):
            await self.store.set_organisation_name(submission.id, value)

    async def _advance(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """Go to the next open question, or to the summary when none is left."""
        question = self.engine.next_open(answers)
        if question is None:
            await self.store.set_cursor(submission.id, None)
            await self._prompt(turn, turn.screens.summary(submission, answers, complete=True))
        else:
            await self._show_question(turn, submission, question, answers)

    async def _show_cursor(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        question = self.engine.question(submission.cursor or "")
        if question is not None and self.engine.is_visible(question, answers):
            await self._show_question(turn, submission, question, answers)
        elif submission.cursor is None and self.engine.next_open(answers) is None:
            await self._prompt(turn, turn.screens.summary(submission, answers, complete=True))
        else:
            await self._advance(turn, submission, answers)

    async def _show_question(self, turn: Turn, submission: Submission, question: Question,
                             answers: Answers) -> None:
        await self.store.set_cursor(submission.id, question.id)
        draft = await self.store.draft(submission.id, question.id) \
            if question.type is QuestionType.MULTI else None
        previous = (await self._previous(submission)).get(question.id, ...)
        await self._prompt(turn, turn.screens.question(submission, question, answers, draft, previous=previous))

    async def _prompt(self, turn: Turn, screen: Screen) -> None:
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
