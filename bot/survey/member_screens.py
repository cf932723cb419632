"""What a board member reads about the association's members: `/members`, invitations,
joining, leaving, and the choice `/delete` offers while others are members too. Nobody's name
or Telegram account is shown: a member is "you" or "a board member", with the day they joined."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.kernel.actions import Action, Kind
from bot.kernel.i18n import Translator
from bot.kernel.outcome import Button, Screen


def _button(label: str, value: str, kind: Kind = Kind.MEMBERS) -> Button:
    return Button(label=label, action=Action(kind, value=value).encode(), role=kind)


class MemberScreens:
    def __init__(self, t: Translator) -> None:
        self.t = t
        self._ = t.gettext

    def _day(self, value: datetime, tz: tzinfo) -> str:
        return self.t.date(value.astimezone(tz).date())

    def invite_button(self) -> Button:
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        return _button(self._("Invite a board member"), "i")

    def members(self, joined: list[tuple[datetime, bool]], invites: list[tuple[int, datetime]],
                tz: tzinfo) -> Screen:
        """`joined`: each member's day and whether it is the reader; `invites`: open links
        (id, valid until)."""
        _ = self._
        lines = [_("Every board member can use the bot on their own phone: all of you see and change "
                   "the same answers and get your association's messages. The others see when you "
                   "joined, never your name or phone number."), ""]
        for day, me in joined:
            text = _("you, since {date}") if me else _("a board member, since {date}")
            lines.append("• " + text.format(date=self._day(day, tz)))
        buttons = [[self.invite_button()]]
        if invites:
            lines += ["", _("Invitation links nobody has used yet are below; you can withdraw them.")]
            for invite_id, until in invites:
                # TRANSLATORS: a button: withdraws an unused invitation link; {date}: until when it is valid
                buttons.append([_button(_("Withdraw the link valid until {date}").format(date=self._day(until, tz)),
                                        f"r{invite_id}")])
        lines += ["", _("To leave the association in the bot, send /delete.")]
        return Screen(text="\n".join(lines), buttons=buttons)

    def invitation(self, link: str, until: datetime, tz: tzinfo) -> Screen:
        return Screen(text=self._("Send this link to the board member you would like to invite. It works "
                                  "once, until {date}. Whoever opens it sees and can change all of your "
                                  "association's answers.").format(date=self._day(until, tz)) + "\n\n" + link)

    def withdrawn(self) -> str:
        return self._("The invitation link has been withdrawn.")

    def join_offer(self, prefix: str, switching: bool, last: bool) -> Screen:
        """Someone opened a valid link: what joining means, and a button to join. `switching`:
        they answer for another association now; `last`: they are its only member there."""
        _ = self._
        text = _("You have been invited to join your association's board in MSO Assistant. As a member you "
                 "see and can change the association's answers and get its messages. The other members see "
                 "when you joined, never your name or phone number.")
        if switching and last:
            text += "\n\n" + _("You already answer for another association in this bot, and nobody else "
                               "does. Joining deletes that association's answers. This cannot be undone.")
        elif switching:
            text += "\n\n" + _("You already answer for another association in this bot. Joining means "
                               "leaving it there; its answers stay with its other board members.")
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        join = _("Delete and join") if switching and last else _("Join")
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        no = _("No, thanks")
        return Screen(text=text, buttons=[[_button(join, f"j{prefix}"), _button(no, "n")]])

    def joined(self) -> str:
        return self._("Welcome! You are now a board member of your association in the bot. "
                      "Please choose your language.")

    def not_joined(self) -> Screen:
        return Screen(text=self._("You have not joined. Nothing has changed."))

    def invalid_link(self) -> Screen:
        return Screen(text=self._("This invitation link does not work any more: it was used, withdrawn or "
                                  "is too old. Please ask your board for a new one."))

    def already_member(self) -> Screen:
        return Screen(text=self._("You are already a board member of this association."))

    def leave_or_delete(self) -> Screen:
        _ = self._
        return Screen(text=_("Other board members of your association use the bot too. Would you like to leave "
                             "the association in the bot (its answers stay with the others), or delete the "
                             "association's answers for everyone?"),
                      buttons=[
                          # TRANSLATORS: a button: a few words, in the button form of the style sheet
                          [_button(_("Leave the association"), "l")],
                          # TRANSLATORS: a button: a few words, in the button form of the style sheet
                          [_button(_("Delete for everyone"), "e", Kind.DELETE)],
                          # TRANSLATORS: a button: a few words, in the button form of the style sheet
                          [_button(_("No, keep"), "n", Kind.DELETE)]])

    def delete_for_everyone(self) -> Screen:
        _ = self._
        return Screen(text=_("This deletes your association's answers and everything stored about it, for every "
                             "board member. The other members will be told. This cannot be undone. Delete "
                             "for everyone?"),
                      buttons=[[
                          # TRANSLATORS: a button: a few words, in the button form of the style sheet
                          _button(_("Yes, delete for everyone"), "a", Kind.DELETE),
                          _button(_("No, keep"), "n", Kind.DELETE)]])

    def left(self) -> Screen:
        return Screen(text=self._("You have left the association in the bot. Its answers stay with the other "
                                  "board members. Send /start if you would like to begin again."))

    def last_member(self) -> Screen:
        return Screen(text=self._("You are the only board member of your association in the bot, so you "
                                  "cannot leave: nobody would be left for its answers. Invite another board "
                                  "member first, or delete the association's data with /delete."),
                      buttons=[[self.invite_button()]])

    def deleted_by_another(self) -> Screen:
        return Screen(text=self._("A board member has deleted your association's answers and everything stored "
                                  "about it in MSO Assistant. Send /start if you would like to begin again."))

    def another_left(self) -> Screen:
        return Screen(text=self._("A board member has left your association in the bot. The answers are kept."))

    def another_joined(self) -> Screen:
        return Screen(text=self._("A new board member has joined your association in the bot. If you did not "
                                  "invite anyone, tell your board and see /members."))
