"""Everything else the survey says, in the user's language: onboarding and consent, help,
the end of the questionnaire, reminders, invitations and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.kernel.actions import Action, Kind
from bot.kernel.outcome import Button, Screen
from bot.storage import Submission
from bot.survey.question_screens import QuestionScreens, button_rows

SECONDS_PER_QUESTION = 25  # reading a question and answering it on a phone (ticks and "Done" included)


class Screens(QuestionScreens):
    """The survey's screens for one user's Translator (questions and summary: QuestionScreens)."""

    def language_picker(self, current: str | None = None, note: str | None = None, greet: bool = True) -> Screen:
        """Every language in one fixed order, so a place (or a number in the console) never
        changes meaning between two pickers; the current language ticked. `greet`: the first
        screen someone sees; changing the language later is not a second welcome."""
        buttons = [Button(label=("✓ " if c == current else "") + self.catalogs.display_name(c),
                          action=Action.language(c).encode(), role=Kind.LANGUAGE) for c in self.catalogs.offered]
        text = self._("Please choose your language.")
        if greet:
            text = self._("Welcome to MSO Assistant of the City of Wuppertal's integration office.") + "\n\n" + text
        if note:
            text = note + "\n\n" + text
        return Screen(text=text, buttons=button_rows(buttons, 2))

    def language_chosen(self, code: str) -> Screen:
        return Screen(text=self._("Language: {language}").format(
            language=self.catalogs.display_name(code)))

    def consent(self, networking: bool = False, partners: bool = False, changed: bool = False) -> Screen:
        return self.notice.consent(networking, partners, changed)

    def declined(self) -> Screen:
        return Screen(text=self._("No problem. Nothing about you has been stored. If you change "
                                  "your mind, send /start."))

    def intro(self, shortest: int, longest: int) -> Screen:
        """The length promised at the start: the questionnaire's shortest and long paths
        (Engine.path_lengths), in questions and minutes."""
        low, high = (max(1, -(-count * SECONDS_PER_QUESTION // 60)) for count in (shortest, longest))
        text = self._("Thank you! Depending on your answers, the questionnaire has {low} to {high} "
                      "questions and takes about {min} to {max} minutes.").format(
            low=self.t.number(shortest), high=self.t.number(longest), min=self.t.number(low),
            max=self.t.number(high))
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
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        button = Button(label=f"{self.t.arrows.forward} " + self._("Continue"),
                        action=Action(Kind.CONTINUE, submission.id).encode(), role=Kind.CONTINUE)
        return Screen(text=text, buttons=[[button]])

    def round_invitation(self, round_name: str, round_id: int, last_time: datetime, tz: Any) -> Screen:
        """Sent once to each association with a completed questionnaire when staff open a round."""
        _ = self._
        text = _("The integration office is asking again ({round}): has anything changed since "
                 "{date}? Your answers from last time are filled in, so it takes only a few minutes.").format(
            round=self.t.isolate(self.t.digits(round_name)),
            date=self.t.isolate(self.t.date(last_time.astimezone(tz).date())))
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        return Screen(text=text, buttons=[[Button(label=_("Answer again"), role=Kind.ROUND,
                                                  action=Action(Kind.ROUND, value=str(round_id)).encode())]])

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
        return Screen(text=self.t.directed("\n".join([
            _("MSO Assistant asks about the needs of your association, so that the city's "
              "integration office can offer suitable support."),
            "",
            "/start — " + _("start or continue the questionnaire"),
            "/answers — " + _("see and change your answers"),
            "/suggestions — " + _("workshops, partners and associations that fit your answers"),
            "/myworkshops — " + _("the workshops your association is interested in"),
            "/settings — " + _("switch messages about new offers on or off"),
            "/language — " + _("change the language"),
            "/members — " + _("your board members in the bot; invite one"),
            "/mydata — " + _("everything stored about you, as a file"),
            "/privacy — " + _("the privacy notice and your choices"),
            "/delete — " + _("delete everything stored about you"),
            "/help — " + _("this help"),
            "",
            _("Your answers are saved after every question, so you can stop at any time."),
            "",
            _("A person to talk to at the integration office: {contact}").format(
                contact=self.t.isolate(self.notice.facts.office_contact)),
        ])))

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
                          # TRANSLATORS: a button: a few words, in the button form of the style sheet
                          Button(label=self._("Yes, delete"), action=Action(Kind.DELETE, value="y").encode(),
                                 role=Kind.DELETE),
                          # TRANSLATORS: a button: a few words, in the button form of the style sheet
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
