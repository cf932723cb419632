"""How a question, an answer and the summary look, in the user's language."""

from __future__ import annotations

from typing import Any

from bot.consent.notice import SAMPLE, NoticeFacts
from bot.consent.screens import NoticeScreens
from bot.kernel.actions import Action, Kind
from bot.kernel.i18n import Catalogs, Translator
from bot.kernel.outcome import Button, Screen
from bot.questionnaire.engine import Answers, Engine, InputError
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Submission

SUMMARY_VALUE_LIMIT = 300
BAR_CELLS = 10


def button_rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


class QuestionScreens:
    """Renders questions, answers, input errors and the summary for one user's Translator."""

    def __init__(self, t: Translator, engine: Engine, catalogs: Catalogs, facts: NoticeFacts = SAMPLE) -> None:
        self.t = t
        self.engine = engine
        self.catalogs = catalogs
        self._ = t.gettext
        self.notice = NoticeScreens(t, facts)

    def question(self, submission: Submission, question: Question, answers: Answers,
                 draft: list[str] | None = None, error: InputError | None = None, previous: Any = ...) -> Screen:
        """`previous`: the answer of the earlier round (a repeat), offered as the default."""
        if previous is not ... and (question.id in answers or not self.engine.is_answer_valid(question, previous)):
            previous = ...
        _ = self._
        position, total = self.engine.progress(question, answers)
        section = self.engine.section_of(question)
        filled = round(BAR_CELLS * (position - 1) / max(total, 1))
        lines = [
            f"{_(section.title)} · " + _("Question {number} of {total}").format(
                number=self.t.number(position), total=self.t.number(total)),
            "▰" * filled + "▱" * (BAR_CELLS - filled),
            "",
            _(question.text),
        ]
        if question.hint:
            lines.append(_(question.hint))
        lines.append(self.instruction(question))
        current = answers.get(question.id, ...)
        if current is not ... and question.type in (QuestionType.TEXT, QuestionType.NUMBER):
            lines.append(_("Current answer: {answer}").format(answer=self.value(question, current)))
        if previous is not ...:
            lines.append(_("Last time you answered: {answer}").format(answer=self.value(question, previous)))
            if draft is None and question.type is QuestionType.MULTI:
                draft = list(previous or [])
        if error is not None:
            lines += ["", "⚠️ " + self.input_error(error)]
        defaults = answers if previous is ... else {**answers, question.id: previous}
        buttons = self._choice_buttons(submission, question, defaults, draft)
        buttons += self._navigation(submission, question, defaults)
        expects_text = question.type in (QuestionType.TEXT, QuestionType.NUMBER)
        return Screen(text="\n".join(lines), buttons=buttons, prompt=True, expects_text=expects_text)

    def instruction(self, question: Question) -> str:
        """What to do on a question: tap, tick or type (and how much)."""
        _ = self._
        kind = question.type
        if kind is QuestionType.MULTI:
            return _("Choose all that apply, then tap “Done”.")
        if kind is QuestionType.NUMBER:
            if question.min_value is not None and question.max_value is not None:
                return _("Please type a number from {min} to {max}.").format(
                    min=self._plain(question.min_value), max=self._plain(question.max_value))
            return _("Please type a number.")
        if kind is QuestionType.TEXT:
            if question.max_length:
                return self.t.ngettext("Please type your answer (at most {count} character).",
                                       "Please type your answer (at most {count} characters).",
                                       question.max_length).format(count=self.t.number(question.max_length))
            return _("Please type your answer.")
        return _("Please choose one answer.")

    def _choice_buttons(self, submission: Submission, question: Question, answers: Answers,
                        draft: list[str] | None) -> list[list[Button]]:
        options = self.engine.choices(question)
        if not options:
            return []
        if question.type is QuestionType.MULTI:
            ticked = set(draft if draft is not None else answers.get(question.id) or [])
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            buttons = [Button(label=("☑ " if o.id in ticked else "☐ ") + self._(o.label),
                              action=Action(Kind.TOGGLE, submission.id, question.id, o.id).encode(),
                              role=Kind.TOGGLE) for o in options]
            rows = button_rows(buttons, 1 if any(len(self._(o.label)) > 18 for o in options) else 2)
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            rows.append([Button(label="✔ " + self._("Done"),
                                action=Action(Kind.DONE, submission.id, question.id).encode(),
                                role=Kind.DONE)])
            return rows
        chosen = answers.get(question.id)
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        buttons = [Button(label=("✓ " if o.id == chosen else "") + self._(o.label),
                          action=Action(Kind.ANSWER, submission.id, question.id, o.id).encode(),
                          role=Kind.ANSWER) for o in options]
        wide = any(len(self._(o.label)) > 18 for o in options)
        return button_rows(buttons, 1 if wide else 2)

    def _navigation(self, submission: Submission, question: Question,
                    answers: Answers) -> list[list[Button]]:
        row = []
        back_arrow, forward_arrow = self.t.arrows.back, self.t.arrows.forward  # mirrored for right-to-left readers
        if not self.engine.is_first(question):
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            row.append(Button(label=f"{back_arrow} " + self._("Back"),
                              action=Action(Kind.BACK, submission.id, question.id).encode(), role=Kind.BACK))
        if not question.required:
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            row.append(Button(label=self._("Skip") + f" {self.t.arrows.skip}",
                              action=Action(Kind.SKIP, submission.id, question.id).encode(), role=Kind.SKIP))
        if question.id in answers and question.type is not QuestionType.MULTI:
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            row.append(Button(label=self._("Keep answer") + f" {forward_arrow}",
                              action=Action(Kind.KEEP, submission.id, question.id).encode(), role=Kind.KEEP))
        return [row] if row else []

    def answered(self, question: Question, value: Any) -> Screen:
        """A question's message once answered: its text and the answer, no buttons."""
        return Screen(text=f"{self._(question.text)}\n✅ {self.value(question, value)}")

    def unanswered(self, question: Question) -> Screen:
        return Screen(text=self._(question.text))

    def _plain(self, number: int) -> str:
        return self.t.decimal(number, "#")

    def value(self, question: Question, value: Any, limit: int | None = None) -> str:
        if value is None:
            return self._("(skipped)")
        if question.type is QuestionType.MULTI:
            labels = [self._label(question, v) for v in value]
            return self.t.comma.join(labels) if labels else self._("(none)")
        if question.type is QuestionType.NUMBER:
            return self.t.isolate(self._plain(int(value)))
        if question.type is QuestionType.TEXT:
            text = str(value)
            if limit and len(text) > limit:
                text = text[:limit - 1].rstrip() + "…"
            return self.t.isolate(text)
        return self._label(question, str(value))

    def _label(self, question: Question, option_id: str) -> str:
        option = self.engine.option(question, option_id)
        return self._(option.label) if option else option_id

    def input_error(self, error: InputError) -> str:
        _ = self._
        p = {k: self._plain(v) for k, v in error.params.items()}
        n = error.params
        messages = {
            "empty": lambda: _("Please type an answer, or use the buttons."),
            "too_short": lambda: self.t.ngettext(
                "That is a little short: please type at least {count} character.",
                "That is a little short: please type at least {count} characters.",
                n["min"]).format(count=p["min"]),
            "too_long": lambda: self.t.ngettext(
                "That is too long: please shorten it to {count} character.",
                "That is too long: please shorten it to {count} characters.",
                n["max"]).format(count=p["max"]),
            "not_number": lambda: _("Please type the number in digits, for example 2015."),
            "too_small": lambda: _("Please type a number of at least {min}.").format(min=p["min"]),
            "too_large": lambda: _("Please type a number of at most {max}.").format(max=p["max"]),
            "too_few": lambda: self.t.ngettext(
                "Please choose at least {count} answer.", "Please choose at least {count} answers.",
                n["min"]).format(count=p["min"]),
            "too_many": lambda: self.t.ngettext(
                "Please choose at most {count} answer.", "Please choose at most {count} answers.",
                n["max"]).format(count=p["max"]),
            "unknown_option": lambda: _("This choice is not available any more."),
        }
        return messages.get(error.code, messages["unknown_option"])()

    def summary(self, submission: Submission, answers: Answers, complete: bool) -> Screen:
        _ = self._
        shown = [q for q in self.engine.visible(answers) if q.id in answers]
        lines = [_("Your answers"), ""]
        edit_buttons = []
        for number, question in enumerate(shown, start=1):
            lines.append(f"{self._plain(number)}. {_(question.text)}")
            lines.append(f"   {self.t.arrows.step} " + self.value(question, answers[question.id], SUMMARY_VALUE_LIMIT))
            edit_buttons.append(Button(label=f"✏️ {self._plain(number)}",
                                       action=Action(Kind.EDIT, submission.id, question.id).encode(),
                                       role=Kind.EDIT))
        lines.append("")
        if complete and submission.completed_at is None:
            lines.append(_("To change an answer, tap its number. If everything is right, "
                           "tap “Confirm and send”."))
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            final = Button(label="✅ " + _("Confirm and send"),
                           action=Action(Kind.CONFIRM, submission.id).encode(), role=Kind.CONFIRM)
        elif complete:
            lines.append(_("To change an answer, tap its number. Changes are saved straight away."))
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            final = Button(label="✅ " + _("Done"),
                           action=Action(Kind.CONFIRM, submission.id).encode(), role=Kind.CONFIRM)
        else:
            lines.append(_("Some questions are still open. To change an answer, tap its number."))
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            final = Button(label=f"{self.t.arrows.forward} " + _("Continue"),
                           action=Action(Kind.CONTINUE, submission.id).encode(), role=Kind.CONTINUE)
        return Screen(text="\n".join(lines), buttons=[*button_rows(edit_buttons, 5), [final]], prompt=True)

    def changes_since_last_time(self, changes: list[tuple[str, Question, Any, Any]]) -> Screen:
        """(topic label, need question, level before, level now) of the topics whose need changed."""
        _ = self._
        if not changes:
            return Screen(text=_("Your needs are the same as last time."))
        lines = [_("What changed since last time:")]
        lines += [f"• {_(topic)}: {self.value(question, before)} {self.t.arrows.step} {self.value(question, now)}"
                  for topic, question, before, now in changes]
        return Screen(text="\n".join(lines))
