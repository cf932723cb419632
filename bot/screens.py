"""What the user sees, as plain data: text and buttons, already in the user's language.

Adapters (Telegram, console) only lay these out; they never compose texts themselves.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal
from pydantic import BaseModel, Field

from bot.actions import Action, Kind
from bot.engine import Answers, Engine, InputError
from bot.i18n import Catalogs, Translator
from bot.questionnaire.model import Question, QuestionType
from bot.storage import Submission

SUMMARY_VALUE_LIMIT = 300
BAR_CELLS = 10


class Button(BaseModel):
    label: str
    action: str
    role: Kind


class Screen(BaseModel):
    text: str
    buttons: list[list[Button]] = Field(default_factory=list)
    prompt: bool = False  # its buttons are the live ones; the adapter reports where it went
    expects_text: bool = False


class Document(BaseModel):
    """A file for the user: a calendar entry, their data, a staff export."""

    filename: str
    content: bytes
    caption: str | None = None
    mime_type: str = "application/octet-stream"

    def payload(self) -> dict[str, object]:
        return {"type": "document", "filename": self.filename, "caption": self.caption,
                "mime_type": self.mime_type, "content": base64.b64encode(self.content).decode()}


class Edit(BaseModel):
    """Replace an earlier message; with no screen, only take its buttons away."""

    ref: str
    screen: Screen | None = None


class Outcome(BaseModel):
    toast: str | None = None  # short notice for a button tap (Telegram's callback answer)
    source: Screen | None = None  # new content of the message whose button was tapped
    source_closed: bool = False  # the tapped message keeps its text but loses its buttons
    edits: list[Edit] = Field(default_factory=list)
    messages: list[Screen] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)  # sent after the messages


def _rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


class Screens:
    """Renders domain states for one user's Translator."""

    def __init__(self, t: Translator, engine: Engine, catalogs: Catalogs) -> None:
        self.t = t
        self.engine = engine
        self.catalogs = catalogs
        self._ = t.gettext

    # -- onboarding ------------------------------------------------------------------------

    def language_picker(self, preferred: str | None, note: str | None = None) -> Screen:
        codes = list(self.catalogs.languages)
        if preferred in codes:
            codes.remove(preferred)
            codes.insert(0, preferred)
        buttons = [Button(label=self.catalogs.display_name(c), action=Action.language(c).encode(),
                          role=Kind.LANGUAGE) for c in codes]
        text = self._("Welcome to MSO Assistant of the City of Wuppertal's integration office.")
        text += "\n\n" + self._("Please choose your language.")
        if note:
            text = note + "\n\n" + text
        return Screen(text=text, buttons=_rows(buttons, 2))

    def language_chosen(self, code: str) -> Screen:
        return Screen(text=self._("Language: {language}").format(
            language=self.catalogs.display_name(code)))

    def privacy_notice(self) -> str:
        return "\n\n".join([
            self._("Privacy notice"),
            self._("This bot belongs to the integration office of the City of Wuppertal "
                   "(Ressort Zuwanderung und Integration). It asks about the needs of your "
                   "association so that the office and its partners in integration work can "
                   "offer suitable support."),
            self._("What is stored: your Telegram user id, your language and your answers."),
            self._("Who sees it: only the staff of the city's integration office. Nothing is "
                   "published or passed on to others."),
            self._("You can see your answers at any time with /answers and delete everything "
                   "with /delete."),
            self._("With /mydata you receive everything stored about you as a file."),
            self._("Do you agree?"),
        ])

    def consent(self) -> Screen:
        return Screen(text=self.privacy_notice(), buttons=[[
            Button(label=self._("Yes, I agree"), action=Action.consent(True).encode(), role=Kind.CONSENT),
            Button(label=self._("No, thanks"), action=Action.consent(False).encode(), role=Kind.CONSENT),
        ]])

    def consent_given(self) -> Screen:
        return Screen(text=self.privacy_notice() + "\n\n✅ " + self._("You agreed."))

    def declined(self) -> Screen:
        return Screen(text=self._("No problem. Nothing about you has been stored. If you change "
                                  "your mind, send /start."))

    def intro(self, total: int) -> Screen:
        text = self.t.ngettext(
            "Thank you! The questionnaire has about {count} question and takes 5 to 10 minutes.",
            "Thank you! The questionnaire has about {count} questions and takes 5 to 10 minutes.",
            total).format(count=self.t.number(total))
        text += "\n" + self._("You can stop at any time and continue later with /start. "
                              "Every answer is saved straight away.")
        return Screen(text=text)

    def welcome_back(self, submission: Submission, answered: int, tz: Any) -> Screen:
        started = self._started(submission, tz)
        text = self._("Welcome back! You started on {date}.").format(date=started)
        return Screen(text=text + " " + self._answered(answered))

    def _started(self, submission: Submission, tz: Any) -> str:
        return self.t.isolate(self.t.date(submission.started_at.astimezone(tz).date()))

    def _answered(self, count: int) -> str:
        return self.t.ngettext("You have answered {count} question so far.",
                               "You have answered {count} questions so far.", count).format(count=self.t.number(count))

    # -- questions -------------------------------------------------------------------------

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
        lines.append(self._instruction(question))
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

    def _instruction(self, question: Question) -> str:
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
            buttons = [Button(label=("☑ " if o.id in ticked else "☐ ") + self._(o.label),
                              action=Action(Kind.TOGGLE, submission.id, question.id, o.id).encode(),
                              role=Kind.TOGGLE) for o in options]
            rows = _rows(buttons, 1 if any(len(self._(o.label)) > 18 for o in options) else 2)
            rows.append([Button(label="✔ " + self._("Done"),
                                action=Action(Kind.DONE, submission.id, question.id).encode(),
                                role=Kind.DONE)])
            return rows
        chosen = answers.get(question.id)
        buttons = [Button(label=("✓ " if o.id == chosen else "") + self._(o.label),
                          action=Action(Kind.ANSWER, submission.id, question.id, o.id).encode(),
                          role=Kind.ANSWER) for o in options]
        wide = any(len(self._(o.label)) > 18 for o in options)
        return _rows(buttons, 1 if wide else 2)

    def _navigation(self, submission: Submission, question: Question,
                    answers: Answers) -> list[list[Button]]:
        row = []
        back_arrow, forward_arrow = ("▶", "◀") if self.t.rtl else ("◀", "▶")  # mirrored for RTL
        if not self.engine.is_first(question):
            row.append(Button(label=f"{back_arrow} " + self._("Back"),
                              action=Action(Kind.BACK, submission.id, question.id).encode(), role=Kind.BACK))
        if not question.required:
            row.append(Button(label=self._("Skip") + " ⏭",
                              action=Action(Kind.SKIP, submission.id, question.id).encode(), role=Kind.SKIP))
        if question.id in answers and question.type is not QuestionType.MULTI:
            row.append(Button(label=self._("Keep answer") + f" {forward_arrow}",
                              action=Action(Kind.KEEP, submission.id, question.id).encode(), role=Kind.KEEP))
        return [row] if row else []

    def answered(self, question: Question, value: Any) -> Screen:
        """A question's message once answered: its text and the answer, no buttons."""
        return Screen(text=f"{self._(question.text)}\n✅ {self.value(question, value)}")

    def unanswered(self, question: Question) -> Screen:
        return Screen(text=self._(question.text))

    # -- values and errors -----------------------------------------------------------------

    def _plain(self, number: int) -> str:
        return format_decimal(number, format="#", locale=self.t.locale)

    def value(self, question: Question, value: Any, limit: int | None = None) -> str:
        if value is None:
            return self._("(skipped)")
        if question.type is QuestionType.MULTI:
            labels = [self._label(question, v) for v in value]
            return ", ".join(labels) if labels else self._("(none)")
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

    # -- summary and end -------------------------------------------------------------------

    def summary(self, submission: Submission, answers: Answers, complete: bool) -> Screen:
        _ = self._
        shown = [q for q in self.engine.visible(answers) if q.id in answers]
        lines = [_("Your answers"), ""]
        edit_buttons = []
        for number, question in enumerate(shown, start=1):
            lines.append(f"{self._plain(number)}. {_(question.text)}")
            lines.append("   → " + self.value(question, answers[question.id], SUMMARY_VALUE_LIMIT))
            edit_buttons.append(Button(label=f"✏️ {self._plain(number)}",
                                       action=Action(Kind.EDIT, submission.id, question.id).encode(),
                                       role=Kind.EDIT))
        lines.append("")
        if complete and submission.completed_at is None:
            lines.append(_("To change an answer, tap its number. If everything is right, "
                           "tap “Confirm and send”."))
            final = Button(label="✅ " + _("Confirm and send"),
                           action=Action(Kind.CONFIRM, submission.id).encode(), role=Kind.CONFIRM)
        elif complete:
            lines.append(_("To change an answer, tap its number. Changes are saved straight away."))
            final = Button(label="✅ " + _("Done"),
                           action=Action(Kind.CONFIRM, submission.id).encode(), role=Kind.CONFIRM)
        else:
            lines.append(_("Some questions are still open. To change an answer, tap its number."))
            final = Button(label=("◀ " if self.t.rtl else "▶ ") + _("Continue"),
                           action=Action(Kind.CONTINUE, submission.id).encode(), role=Kind.CONTINUE)
        return Screen(text="\n".join(lines), buttons=[*_rows(edit_buttons, 5), [final]], prompt=True)

    def staff_only(self) -> str:
        return self._("Sorry, this command is only for the staff of the integration office.")

    def broadcast_heading(self) -> str:
        return "📣 " + self._("A message from the integration office of the City of Wuppertal:")

    def unfinished_reminder(self, submission: Submission, answered: int, tz: Any) -> Screen:
        """The one reminder for a questionnaire left unfinished."""
        text = self._("Hello! You started the needs questionnaire on {date}.").format(
            date=self._started(submission, tz))
        text += " " + self._answered(answered)
        text += "\n\n" + self._("Your answers are saved. Would you like to continue where you left off?")
        button = Button(label=("◀ " if self.t.rtl else "▶ ") + self._("Continue"),
                        action=Action(Kind.CONTINUE, submission.id).encode(), role=Kind.CONTINUE)
        return Screen(text=text, buttons=[[button]])

    def round_invitation(self, round_name: str, round_id: int, last_time: datetime, tz: Any) -> Screen:
        """Sent once to each association with a completed questionnaire when staff open a round."""
        _ = self._
        text = _("The integration office is asking again ({round}): has anything changed since "
                 "{date}? Your answers from last time are filled in, so it takes only a few minutes.").format(
            round=self.t.isolate(round_name), date=self.t.isolate(self.t.date(last_time.astimezone(tz).date())))
        return Screen(text=text, buttons=[[Button(label=_("Answer again"), role=Kind.ROUND,
                                                  action=Action(Kind.ROUND, value=str(round_id)).encode())]])

    def changes_since_last_time(self, changes: list[tuple[str, Question, Any, Any]]) -> Screen:
        """(topic label, need question, level before, level now) of the topics whose need changed."""
        _ = self._
        if not changes:
            return Screen(text=_("Your needs are the same as last time."))
        lines = [_("What changed since last time:")]
        lines += [f"• {_(topic)}: {self.value(question, before)} → {self.value(question, now)}"
                  for topic, question, before, now in changes]
        return Screen(text="\n".join(lines))

    def thanks(self) -> Screen:
        return Screen(text=self._(
            "Thank you! Your answers have been sent to the integration office of the City of "
            "Wuppertal. We will use them to plan support for migrant self-organisations, "
            "together with the welfare associations, the adult education centre and the "
            "municipal integration centre, and to put associations in touch with each other.")
            + "\n\n" + self._("You can look at or change your answers at any time with /answers."))

    def changes_saved(self) -> Screen:
        return Screen(text=self._("Your changes have been saved. Thank you!"))

    def already_complete(self) -> Screen:
        return Screen(text=self._("You have already completed the questionnaire. Thank you! "
                                  "Use /answers to look at or change your answers."))

    def help(self) -> Screen:
        _ = self._
        return Screen(text="\n".join([
            _("MSO Assistant asks about the needs of your association, so that the city's "
              "integration office can offer suitable support."),
            "",
            "/start — " + _("start or continue the questionnaire"),
            "/answers — " + _("see and change your answers"),
            "/language — " + _("change the language"),
            "/mydata — " + _("everything stored about you, as a file"),
            "/delete — " + _("delete everything stored about you"),
            "/help — " + _("this help"),
            "",
            _("Your answers are saved after every question, so you can stop at any time."),
        ]))

    # -- notices ---------------------------------------------------------------------------

    def no_longer_applies(self) -> str:
        return self._("This button no longer applies.")

    def use_buttons(self) -> str:
        return self._("Please answer with the buttons below the question.")

    def only_text(self) -> str:
        return self._("Sorry, I can only read text messages and button taps.")

    def edits_not_read(self) -> str:
        return self._("I do not read edited messages, so your change was not saved. "
                      "To change an answer, send /answers.")

    def language_changed(self, code: str) -> Screen:
        return Screen(text=self._("The language is now {language}. Your answers are kept.").format(
            language=self.catalogs.display_name(code)))

    def consent_first(self) -> str:
        return self._("Before we start, please read the privacy notice and tell us whether you agree.")

    def delete_question(self) -> Screen:
        return Screen(text=self._("Do you really want to delete everything stored about you and "
                                  "your association's answers? This cannot be undone."),
                      buttons=[[
                          Button(label=self._("Yes, delete"), action=Action(Kind.DELETE, value="y").encode(),
                                 role=Kind.DELETE),
                          Button(label=self._("No, keep"), action=Action(Kind.DELETE, value="n").encode(),
                                 role=Kind.DELETE),
                      ]])

    def deleted(self) -> Screen:
        return Screen(text=self._("Everything stored about you has been deleted. Send /start if "
                                  "you would like to begin again."))

    def nothing_stored(self) -> Screen:
        return Screen(text=self._("Nothing is stored about you."))

    def my_data_caption(self) -> str:
        return self._("Everything MSO Assistant stores about you and your association (JSON file).")

    def slow_down(self) -> str:
        return self._("You are sending a lot of messages at once. Please wait a moment; "
                      "after that I will read your messages again.")

    def kept(self) -> Screen:
        return Screen(text=self._("Nothing was deleted."))
