"""The questionnaire as the gallery's board member goes through it: the language, the privacy
notice, every question (with the wrong inputs a person makes on the way), the summary and sending."""

from __future__ import annotations

from typing import Any

from bot.consent.screens import consent_value
from bot.kernel.actions import Action, Kind
from bot.kernel.outcome import Outcome, Screen
from bot.questionnaire.engine import InputError
from bot.questionnaire.model import Question, QuestionType
from bot.review.plan import revealing_answers, skipped
from bot.review.stage import Stage, button, live

LIMIT = 500  # steps through one questionnaire at most (each question once, plus Back)
CHOICES = (QuestionType.SINGLE, QuestionType.SCALE, QuestionType.YESNO)
# Every reason an answer can be refused, with figures for those this questionnaire cannot reach.
ERRORS: dict[str, dict[str, int]] = {
    "empty": {}, "too_short": {"min": 2}, "too_long": {"max": 150, "length": 151}, "not_number": {},
    "too_small": {"min": 1900}, "too_large": {"max": 2100}, "too_few": {"min": 1}, "too_many": {"max": 3},
    "unknown_option": {},
}


async def onboard(s: Stage, user: int, consent: str = "y", keep: bool = False) -> Outcome:
    """/start, the language, the privacy notice; returns what agreeing showed."""
    out = await s.start(user)
    if keep:
        s.keep("language_picker", "/start: the first message, the language picker (every language in one fixed order)",
               out.messages[-1])
    out = await s.press(user, Action.language(s.language).encode())
    if not keep:
        return await s.press(user, Action.consent_data(consent))
    if out.source is not None:
        s.keep("language_picker", "after choosing a language: the picker message becomes", out.source)
    s.keep("privacy_short", "the short privacy notice: both optional purposes off; agree or decline", out.messages[-1])
    out = await s.press(user, Action.consent_data(consent_value(False, False, True)))
    if out.source is not None:
        s.keep("privacy_short", "after tapping “Partner organisations” (nothing is stored before agreeing)",
               out.source)
    out = await s.press(user, Action.consent_data("m01"))
    s.keep("privacy_full", "“Full notice”: the full privacy notice (then the choices again)", out.messages[0])
    out = await s.press(user, Action.consent_data(consent))
    if out.source is not None:
        s.keep("privacy_short", "after “Yes, I agree”: the notice message becomes", out.source)
    s.keep("start", "the questionnaire's introduction, before the first question", out.messages[0])
    return out


async def answer(s: Stage, user: int, screen: Screen, question: Question, value: Any,
                 keep_ticked: bool = False) -> Outcome:
    """One question answered the way a person does it: typing, tapping, ticking, skipping."""
    if value is None:
        return await s.tap(user, screen, Kind.SKIP)
    if question.type in (QuestionType.TEXT, QuestionType.NUMBER):
        return await s.type(user, str(value))
    if question.type is QuestionType.MULTI:
        shown = [b.action.rsplit(":", 1)[-1] for row in screen.buttons for b in row
                 if b.role is Kind.TOGGLE and b.label.startswith("☑")]  # pre-ticked (a preset)
        for option in [o for o in dict.fromkeys([*shown, *value]) if (o in shown) != (o in value)]:
            ticked = await s.tap(user, screen, Kind.TOGGLE, option)
            screen = ticked.source or screen
            if keep_ticked:
                s.keep("question", "a multiple choice with an answer ticked", screen)
                keep_ticked = False
        return await s.tap(user, screen, Kind.DONE)
    return await s.tap(user, screen, Kind.ANSWER, str(value))


async def complete(s: Stage, user: int, outcome: Outcome, answers: dict[str, Any]) -> Outcome:
    """Answer every question with `answers` and send the questionnaire; kept: only the questions
    that depend on a given fact (the networking switch), which the gallery's user does not see."""
    given, networked = set(s.engine.questionnaire.given), False
    for _ in range(LIMIT):
        screen = live(outcome)
        question = await s.question_on(user)
        if question is None:
            if networked:
                s.keep("summary", "the summary of an association with networking on", screen)
            return await s.tap(user, screen, Kind.CONFIRM)
        if any(c.question in given for c in question.conditions()):
            networked = True
            s.keep("question", f"with networking on: {question.id} ({question.type.value})", screen)
        outcome = await answer(s, user, screen, question, answers.get(question.id))
    raise RuntimeError("the questionnaire did not end")


class Questionnaire:
    """The gallery's board member on the questionnaire: every question kept once."""

    def __init__(self, s: Stage, user: int) -> None:
        self.s = s
        self.user = user
        self.errors: set[str] = set()
        self.noted = False

    async def walk(self, outcome: Outcome) -> Screen:
        """Up to the summary, which is returned."""
        s, user = self.s, self.user
        plan, skip = revealing_answers(s.engine), skipped(s.engine)
        seen: list[str] = []
        answered: set[QuestionType] = set()
        for _ in range(LIMIT):
            screen = live(outcome)
            question = await s.question_on(user)
            offered = [b for row in screen.buttons for b in row if b.role is Kind.EDIT
                       and (q := s.engine.question(b.action.rsplit(":", 1)[-1])) is not None
                       and q.at_summary and q.id not in seen]
            if question is None and offered:  # offered on the summary: opened by its number
                outcome = await s.press(user, offered[0].action)
                continue
            if question is None:
                self._unreached_errors()
                return screen
            if question.id not in seen:
                seen.append(question.id)
                s.keep("question", f"question {len(seen)}: {question.id} ({question.type.value})", screen)
                await self._mistakes(question, screen)
                if len(seen) == 2:  # Back once, then keep the answer given
                    again = live(await s.tap(user, screen, Kind.BACK))
                    s.keep("question", "after “Back”: the previous question again, with its answer", again)
                    outcome = await s.tap(user, again, Kind.KEEP)
                    continue
            value = None if question.id in skip else plan[question.id]
            first = question.type not in answered
            outcome = await answer(s, user, screen, question, value, first and question.type is QuestionType.MULTI)
            if first:
                answered.add(question.type)
                if outcome.source is not None:
                    s.keep("answered", f"a question of type {question.type.value} once answered: its message becomes",
                           outcome.source)
                else:  # a typed answer: the bot edits the question's message (an edit of the reply)
                    s.keep("answered", f"a question of type {question.type.value} once answered: its message becomes",
                           s.screens.answered(question, value), drawn=True)
        raise RuntimeError("the questionnaire did not end")

    async def _mistakes(self, question: Question, screen: Screen) -> None:
        """The wrong inputs people make, each once, where the questionnaire first allows it."""
        s, user = self.s, self.user
        if question.type in CHOICES and not self.noted:
            self.noted = True
            out = await s.type(user, "ok")
            s.keep("reask", "typed text where buttons are expected (then the question is shown again)",
                   out.messages[0])
            out = await s.survey.unsupported(s.visitor(user))
            s.keep("reask", "a photo, sticker or voice message (then the question is shown again)", out.messages[0])
            out = await s.survey.edited(s.visitor(user))
            s.keep("notice", "after the user edited a message they sent", out.messages[0])
        if question.type is QuestionType.TEXT:
            if question.min_length and question.min_length > 1:
                await self._typed("too_short", "A" * (question.min_length - 1), "a typed answer that is too short")
            await self._typed("empty", " ", "a typed answer with nothing in it")
            if question.max_length:
                await self._typed("too_long", "x" * (question.max_length + 1), "a typed answer that is too long")
        if question.type is QuestionType.NUMBER:
            await self._typed("not_number", "many", "a number question answered in words")
            if question.min_value is not None:
                await self._typed("too_small", str(question.min_value - 1), "a number below the smallest allowed")
            if (highest := question.highest()) is not None:
                await self._typed("too_large", str(highest + 1), "a number above the largest allowed")
        if question.type is QuestionType.MULTI and "too_few" not in self.errors \
                and s.engine.check_selection(question, []) is not None:
            self.errors.add("too_few")
            out = await s.tap(user, screen, Kind.DONE)
            s.keep("error", "“Done” with nothing ticked (a notice at the top of the chat)", out.toast or "")

    async def _typed(self, code: str, text: str, title: str) -> None:
        if code in self.errors:
            return
        self.errors.add(code)
        out = await self.s.type(self.user, text)
        self.s.keep("error", title, out.messages[0])

    def _unreached_errors(self) -> None:
        """Refusals this questionnaire gives no chance to make, as the bot would word them."""
        for code, params in ERRORS.items():
            if code not in self.errors:
                self.s.keep("error", f"refusal “{code}” (no question of this questionnaire leads to it)",
                            "⚠️ " + self.s.screens.input_error(InputError(code, params)))


async def send(s: Stage, user: int, summary: Screen) -> Outcome:
    """The summary kept, then “Confirm and send”."""
    s.keep("summary", "all answers before sending: a number changes that answer", summary)
    out = await s.press(user, button(summary, Kind.CONFIRM).action)
    s.keep("thanks", "after “Confirm and send”", out.messages[0])
    for message in out.messages[1:]:
        if any(b.role is Kind.CONTACT for row in message.buttons for b in row):
            s.keep("contact_person", "after sending, when the association asked partner organisations for contact: "
                   "a contact person for them and the office, optional", message)
        elif message.buttons:
            s.keep("privacy_choices", "after sending, when the association wants to network but has not "
                   "switched networking on", message)
    return out
