"""A board member who fills in the questionnaire by reading the chat, as a person would.

Every decision is made from the screen the bot showed last (the question id in the buttons,
the ticks of a multiple choice, the summary), never from the database, so a user carries on
correctly after any crash. When a reply never comes because the bot was killed, the user
waits until the bot is back and then, if there is still no answer, sends /start.

The user also keeps the record the crash test checks against: which answers the bot
confirmed (it showed the next screen after them), every value the user ever sent, and which
updates carried an answer.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.questionnaire.engine import Engine
from bot.questionnaire.model import QuestionType
from bot.survey.screens import Screens
from tests.helpers.bot_api_stub import StoredMessage
from tests.helpers.crash_stub import TrappingBotAPI

REPLY_TIMEOUT = 20.0
HELP_MARK = "\n/help — "  # a line of the help text in every language


def shows_help(text: str) -> bool:
    """The help text, in any language (right-to-left ones isolate the command: LRI … PDI)."""
    return HELP_MARK in text.replace("\u2066", "").replace("\u2069", "")
SURVEY_KINDS = set("LCATDBSKEFN")


@dataclass
class Plan:
    language: str
    answers: dict[str, Any]  # question id -> value: option id, [option ids], text, int; None skips
    back_at: str | None = None  # tap Back once on this question, then keep the previous answer
    change: tuple[str, str] | None = None  # from the summary, change this single choice once
    stop_at: str | None = None  # leave the questionnaire when this question is shown

    def value(self, question_id: str, after_summary: bool) -> Any:
        if self.change and after_summary and question_id == self.change[0]:
            return self.change[1]
        if question_id == "need_areas" and question_id not in self.answers:
            return [q.removeprefix("need_") for q, v in self.answers.items() if q.startswith("need_")
                    and q.count("_") == 1 and v not in (None, "none")]
        return self.answers[question_id]

    def final(self, engine: Engine) -> dict[str, Any]:
        """The answers of the visible questions once the plan is done (up to stop_at)."""
        answers: dict[str, Any] = {}
        while (question := engine.next_open(answers)) is not None and question.id != self.stop_at:
            answers[question.id] = in_order(engine, question.id, self.value(question.id, after_summary=True))
        return answers

    def steps(self, engine: Engine) -> int:
        """How many updates the plan takes without crashes (for spreading the kill points)."""
        count = 3  # /start, language, consent
        for question_id, value in self.final(engine).items():
            question = engine.question(question_id)
            assert question is not None
            count += 1 + (len(value) if question.type is QuestionType.MULTI and value else 0)
        count += 2 * bool(self.back_at) + 2 * bool(self.change)
        return count + (0 if self.stop_at else 1)


def in_order(engine: Engine, question_id: str, value: Any) -> Any:
    """A multiple choice as the bot stores it: in the order of the options."""
    question = engine.question(question_id)
    if question is None or question.type is not QuestionType.MULTI or not isinstance(value, list):
        return value
    return [o.id for o in engine.choices(question) if o.id in value]


@dataclass(frozen=True)
class View:
    """What a message shows, for someone who wants to act on it."""

    kind: str  # language, consent, question, summary, thanks, complete
    message: StoredMessage
    question: str | None = None
    submission: str | None = None

    def data(self, kind: str) -> list[str]:
        return [b["callback_data"] for b in self.message.buttons() if b["callback_data"].startswith(kind + ":")]


@dataclass(frozen=True)
class Step:
    what: str  # for messages: "tap A:...", "type ...", "/start"
    text: str | None = None
    data: str | None = None
    message: StoredMessage | None = None
    question: str | None = None  # the answer this step stores, if any
    value: Any = None
    toggle: bool = False  # the reply is an edit of the tapped message
    back: bool = False
    change: bool = False


class Control(Protocol):
    generation: int

    async def ready(self) -> int:
        """Wait until the bot runs and has caught up after a restart; the generation."""
        ...

    def pushed(self, user: ScriptedUser, update_id: int) -> None: ...


@dataclass
class Mark:
    calls: int
    message_id: int
    shown: tuple[str, Any] | None = None  # text and buttons of the message a toggle edits


@dataclass
class ScriptedUser:
    api: TrappingBotAPI
    engine: Engine
    screens: Screens
    user_id: int
    plan: Plan
    control: Control
    went_back: bool = False
    changed: bool = False
    seen_summary: bool = False
    done: str | None = None  # "completed", "stopped"
    pending: int | None = None  # update id of the action whose reply has not arrived yet
    confirmed: dict[str, Any] = field(default_factory=dict)
    sent: dict[str, list[Any]] = field(default_factory=dict)
    answer_updates: dict[str, list[int]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    recoveries: int = 0  # actions the bot never answered (it was killed)
    repeats: int = 0  # of those, tapped again rather than /start
    help_updates: list[int] = field(default_factory=list)
    history: list[str] = field(default_factory=list)

    @property
    def user(self) -> dict[str, Any]:
        return self.api.user(self.user_id, self.plan.language)

    # -- reading the chat ----------------------------------------------------------------------

    def view(self, message: StoredMessage) -> View | None:
        datas = [b["callback_data"] for b in message.buttons()]
        kinds = {d.split(":")[0] for d in datas}
        if "L" in kinds:
            return View("language", message)
        if "C" in kinds:
            return View("consent", message)
        if kinds & {"F", "N"}:
            final = next(d for d in datas if d[0] in "FN")
            return View("summary", message, submission=final.split(":")[1])
        for data in datas:
            parts = data.split(":")
            if parts[0] in "ATDBSK" and len(parts) >= 3:
                return View("question", message, question=parts[2], submission=parts[1])
        if datas and not kinds <= SURVEY_KINDS:
            return None  # suggestions, settings and the like
        text = message.text
        first = self.engine.questionnaire.sections[0].questions[0]
        if not datas and self.screens.unanswered(first).text in text and "✅" not in text:
            return View("question", message, question=first.id)
        if text == self.screens.thanks().text:
            return View("thanks", message)
        if text in (self.screens.already_complete().text, self.screens.changes_saved().text):
            return View("complete", message)
        return None

    def screens_after(self, mark: Mark) -> list[View]:
        return [v for m in self.api.chat(self.user_id)
                if m.from_bot and m.message_id > mark.message_id and (v := self.view(m)) is not None]

    def mark(self, step: Step | None = None) -> Mark:
        shown = (step.message.text, step.message.reply_markup) if step and step.toggle and step.message else None
        return Mark(len(self.api.calls), max((k[1] for k in self.api.messages), default=0), shown)

    def reply(self, mark: Mark, step: Step) -> View | None:
        """The screen the bot answered `step` with, if it did (so far)."""
        if step.toggle:  # the tapped message itself changes (the stub records a call before it acts on it)
            assert step.message is not None
            edited = (step.message.text, step.message.reply_markup) != mark.shown
            return self.view(step.message) if edited else None
        screens = self.screens_after(mark)
        return screens[-1] if screens else None

    # -- deciding ------------------------------------------------------------------------------

    def decide(self, view: View) -> Step | None:
        if view.kind == "language":
            return self._tap(view, f"L:{self.plan.language}")
        if view.kind == "consent":
            return self._tap(view, "C:y")
        if view.kind in ("thanks", "complete"):
            self.done = "completed"
            return None
        if view.kind == "summary":
            self.seen_summary = True
            if self.plan.change and not self.changed:
                return self._tap(view, f"E:{view.submission}:{self.plan.change[0]}")
            return self._tap(view, f"F:{view.submission}")
        assert view.question is not None
        question = self.engine.question(view.question)
        assert question is not None, view.question
        if question.id == self.plan.stop_at:
            self.done = "stopped"
            return None
        if question.id == self.plan.back_at and not self.went_back:
            return Step(f"tap B:{question.id}", data=f"B:{view.submission}:{question.id}",
                        message=view.message, back=True)
        changing = bool(self.plan.change and question.id == self.plan.change[0]
                        and self.seen_summary and not self.changed)
        if view.data("K") and not changing:
            return self._tap(view, view.data("K")[0])
        value = self.plan.value(question.id, after_summary=self.seen_summary)
        if value is None:
            return self._answer(view, f"S:{view.submission}:{question.id}", question.id, None, changing)
        if question.type is QuestionType.MULTI:
            ticked = {b["callback_data"].split(":")[3] for b in view.message.buttons()
                      if b["callback_data"].startswith("T:") and b["text"].startswith("☑")}
            for data in view.data("T"):
                option = data.split(":")[3]
                if (option in ticked) != (option in value):
                    return Step(f"tap {data}", data=data, message=view.message, toggle=True)
            return self._answer(view, f"D:{view.submission}:{question.id}", question.id,
                                in_order(self.engine, question.id, value), changing)
        if question.type in (QuestionType.TEXT, QuestionType.NUMBER):
            return Step(f"type {value!r} for {question.id}", text=str(value), question=question.id,
                        value=value, change=changing)
        return self._answer(view, f"A:{view.submission}:{question.id}:{value}", question.id, value, changing)

    @staticmethod
    def _tap(view: View, data: str) -> Step:
        assert data in [b["callback_data"] for b in view.message.buttons()], (data, view.message.buttons())
        return Step(f"tap {data}", data=data, message=view.message)

    @staticmethod
    def _answer(view: View, data: str, question: str, value: Any, change: bool) -> Step:
        step = ScriptedUser._tap(view, data)
        return Step(step.what, data=data, message=view.message, question=question, value=value, change=change)

    # -- acting --------------------------------------------------------------------------------

    async def run(self) -> None:
        view = await self.act(Step("/start", text="/start"))
        while (step := self.decide(view)) is not None:
            view = await self.act(step)

    async def act(self, step: Step) -> View:
        """Do `step`; carry on through crashes; the screen the user acts on next."""
        view = await self._attempt(step)
        if view is not None:
            return view
        # The bot was killed and, back again, never answered. A person taps the same button
        # once more if it is still there, or sends /start.
        self.recoveries += 1
        if self.rng.random() < 0.5 and self._can_repeat(step):
            self.repeats += 1
            view = await self._attempt(step, settle=True)
        while view is None:
            view = await self._attempt(Step("/start (no reply)", text="/start"))
        return view

    def _can_repeat(self, step: Step) -> bool:
        """Only taps, and only on a button the message still shows (a retyped answer to a
        question the bot already moved past is politely refused: that is not a repeat)."""
        return step.data is not None and step.message is not None \
            and step.data in [b["callback_data"] for b in step.message.buttons()]

    async def _attempt(self, step: Step, settle: bool = False) -> View | None:
        generation = await self.control.ready()
        mark = self.mark(step)
        await self._push(step)
        if settle:  # a repeated tap may be answered with a toast only: /help tells when it is done
            await self._settle(mark, generation)
            view = self.reply(mark, step)
        else:
            view = await self._wait(mark, step, generation)
        if view is not None:
            self._confirmed(step)
        return view

    async def _settle(self, mark: Mark, generation: int) -> None:
        """Send /help and wait for its answer: then everything sent before has been handled."""
        update_id = await self.api.send_message(self.user, "/help")
        self.help_updates.append(update_id)
        self.history.append(f"{time.monotonic():.3f} #{update_id} /help")
        self.control.pushed(self, update_id)

        def check() -> bool | None:
            helps = [m for m in self.api.chat(self.user_id)
                     if m.from_bot and m.message_id > mark.message_id and shows_help(m.text)]
            return True if helps or self.control.generation != generation else None

        await self.api.until(check, REPLY_TIMEOUT, f"user {self.user_id}'s /help")
        if self.control.generation != generation:
            await self.control.ready()

    async def _wait(self, mark: Mark, step: Step, generation: int) -> View | None:
        """The reply; None when the bot was killed and, back and caught up, has not answered."""
        view = await self._wait_once(mark, step, generation)
        if view is not None:
            return view
        # The test restarts the bot and makes sure every update sent before the restart was
        # handled (or lost for good) before ready() returns: what has not come will not come.
        await self.control.ready()
        view = self.reply(mark, step)
        if view is not None:
            self.pending = None
        return view

    async def _push(self, step: Step) -> None:
        if step.text is not None:
            update_id = await self.api.send_message(self.user, step.text)
        else:
            assert step.message is not None and step.data is not None
            update_id = await self.api.tap(self.user, step.message, step.data)
        self.pending = update_id
        self.history.append(f"{time.monotonic():.3f} #{update_id} {step.what}")
        if step.question is not None:
            self.answer_updates.setdefault(step.question, []).append(update_id)
            self.sent.setdefault(step.question, []).append(step.value)
        self.control.pushed(self, update_id)

    async def _wait_once(self, mark: Mark, step: Step, generation: int) -> View | None:
        """The reply, or None when the bot was killed before it came."""
        crashed = object()

        def check() -> View | object | None:
            view = self.reply(mark, step)
            if view is not None:
                return view
            return crashed if self.control.generation != generation else None

        try:
            result = await self.api.until(check, REPLY_TIMEOUT, f"user {self.user_id}'s reply to {step.what}")
        except TimeoutError as exc:
            raise AssertionError(f"user {self.user_id} ({self.plan.language}) got no reply to {step.what} "
                                 f"within {REPLY_TIMEOUT:.0f} s; last steps: {self.history[-5:]}") from exc
        if isinstance(result, View):
            self.pending = None
            return result
        return None

    def _confirmed(self, step: Step) -> None:
        """The bot showed the next screen after `step`: what it stored is confirmed."""
        self.pending = None
        if step.back:
            self.went_back = True
        if step.question is not None:
            self.confirmed[step.question] = step.value
            if step.change:
                self.changed = True
