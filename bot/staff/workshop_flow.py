"""`/workshop`: a short guided conversation that adds a workshop to the catalog.

Each step is a question with buttons or typed input; the answers so far live in the
database (staff_flows), so staff can be interrupted and carry on. Nothing is saved to the
catalog before the preview is confirmed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from bot.catalog.model import Partner, Registration, Workshop
from bot.kernel.actions import Kind, StaffTap
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import clean_line, isolated
from bot.questionnaire.staff_voice import StaffVoice

STEPS = ("title", "topics", "start", "end", "place", "address", "languages", "provider", "registration",
         "capacity", "cost", "preview")
_DATE_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%Y-%m-%d %H:%M")
LINK = re.compile(r"https?:|www\.|t\.me/|@\w", re.IGNORECASE)  # a title is no place for a link


def button(label: str, step: str, value: str) -> Button:
    return Button(label=label, action=StaffTap(step, value).encode(), role=Kind.STAFF)


def rows(buttons: list[Button], per_row: int = 2) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


class WorkshopFlow:
    """Prompts and input checks; the StaffService stores the state and runs the transactions."""

    def __init__(self, voice: StaffVoice, topics: list[tuple[str, str]], districts: list[tuple[str, str]],
                 languages: list[tuple[str, str]]) -> None:
        self.voice = voice
        self._ = voice.t.gettext
        self.topics = topics  # (id, label in the staff language)
        self.districts = districts
        self.languages = languages

    def cancel_row(self) -> list[Button]:
        return [button("✖ " + self._("Cancel"), "cancel", "x")]

    def prompt(self, step: str, data: dict[str, Any], partners: list[Partner]) -> Screen:
        _ = self._
        if step == "title":
            return Screen(text=_("New workshop (1/11). What is its title, in German?"),
                          buttons=[self.cancel_row()], expects_text=True)
        if step == "topics":
            chosen = set(data.get("topics", []))
            buttons = [button(("✅ " if t in chosen else "") + label, "topic", t) for t, label in self.topics]
            return Screen(text=_("Which topics does it cover? Tap all that apply, then “Done”."),
                          buttons=[*rows(buttons), [button(_("Done"), "topics", "done")], self.cancel_row()])
        if step == "start":
            return Screen(text=_("When does it start? For example 05.12.2026 18:00"),
                          buttons=[self.cancel_row()], expects_text=True)
        if step == "end":
            return Screen(text=_("When does it end? A time like 20:00, or a date and time."),
                          buttons=[self.cancel_row()], expects_text=True)
        if step == "place":
            buttons = [button(label, "place", d) for d, label in self.districts]
            return Screen(text=_("Where does it take place?"),
                          buttons=[[button("💻 " + _("Online"), "place", "online")], *rows(buttons),
                                   self.cancel_row()])
        if step == "address":
            return Screen(text=_("What is the address? For example Neumarkt 10, 42103 Wuppertal"),
                          buttons=[self.cancel_row()], expects_text=True)
        if step == "languages":
            chosen = set(data.get("languages", []))
            buttons = [button(("✅ " if c in chosen else "") + label, "language", c) for c, label in self.languages]
            return Screen(text=_("In which languages is it held? Tap all that apply, then “Done”."),
                          buttons=[*rows(buttons), [button(_("Done"), "languages", "done")], self.cancel_row()])
        if step == "provider":
            buttons = [button(p.name, "provider", p.id) for p in partners[:40]]
            return Screen(text=_("Who offers it?"), buttons=[*rows(buttons, 1), self.cancel_row()])
        if step == "registration":
            return Screen(text=_("How do people register? A link, an e-mail address or a phone number."),
                          buttons=[self.cancel_row()], expects_text=True)
        if step == "capacity":
            return Screen(text=_("How many places are there? Type a number, or skip."),
                          buttons=[[button(_("No limit"), "capacity", "none")], self.cancel_row()],
                          expects_text=True)
        if step == "cost":
            return Screen(text=_("What does it cost, in euros? Type an amount, or choose."),
                          buttons=[[button(_("Free of charge"), "cost", "free"),
                                    button(_("Not stated"), "cost", "none")], self.cancel_row()],
                          expects_text=True)
        return Screen(text=self.preview(data, partners),
                      buttons=[[button("✅ " + _("Save and notify associations"), "save", "yes")],
                               self.cancel_row()])

    @staticmethod
    def next_step(step: str, data: dict[str, Any]) -> str:
        following = STEPS[STEPS.index(step) + 1]
        if following == "address" and data.get("online"):
            following = "languages"
        if following == "provider" and data.get("proposal"):  # a partner proposes its own workshop
            following = STEPS[STEPS.index(following) + 1]
        return following

    # -- typed input: an error text, or None when `data` was updated ---------------------------

    def typed(self, step: str, data: dict[str, Any], text: str, now: datetime) -> str | None:
        _ = self._
        if step == "title" and "\n" in text.strip():
            return _("Please type a title of 3 to 120 characters on one line.")
        # One line without format characters (a partner contact's text reaches associations).
        text = clean_line(text)
        if step == "title":
            if not 3 <= len(text) <= 120:
                return _("Please type a title of 3 to 120 characters on one line.")
            if LINK.search(text):
                return _("Please leave links out of the title; the registration step takes one.")
            data["title"] = text
        elif step == "start":
            start = self._datetime(text)
            if start is None:
                return _("Please type a date and time like 05.12.2026 18:00.")
            if start <= now:
                return _("That is in the past. Please type a date in the future.")
            data["start"] = start.isoformat()
        elif step == "end":
            start = datetime.fromisoformat(data["start"])
            end = self._end(text, start)
            if end is None:
                return _("Please type a time like 20:00, or a date and time.")
            if end <= start:
                return _("The end must be after the start.")
            data["end"] = end.isoformat()
        elif step == "address":
            if not 5 <= len(text) <= 200:
                return _("Please type the address (5 to 200 characters).")
            data["address"] = text
        elif step == "registration":
            registration = self._registration(text)
            if registration is None:
                return _("Please type a link (https://…), an e-mail address or a phone number.")
            data["registration"] = registration
        elif step == "capacity":
            if not text.isdigit() or not 1 <= int(text) <= 10000:
                return _("Please type a whole number between 1 and 10000.")
            data["capacity"] = int(text)
        elif step == "cost":
            try:
                cost = Decimal(text.replace("€", "").replace(",", ".").strip())
            except InvalidOperation:
                return _("Please type an amount like 10 or 12,50.")
            if not 0 <= cost <= 100000 or cost != cost.quantize(Decimal("0.01")):
                return _("Please type an amount like 10 or 12,50.")
            data["cost"] = str(cost)
        else:
            return _("Please use the buttons.")
        return None

    def _datetime(self, text: str) -> datetime | None:
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=self.voice.tz)
            except ValueError:
                continue
        return None

    def _end(self, text: str, start: datetime) -> datetime | None:
        match = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", text)
        if match:
            local = start.astimezone(self.voice.tz)
            return local.replace(hour=int(match.group(1)), minute=int(match.group(2)))
        return self._datetime(text)

    @staticmethod
    def _registration(text: str) -> dict[str, str] | None:
        if text.lower().startswith(("http://", "https://")):
            field = "link"
        elif "@" in text:
            field = "email"
        else:
            field = "phone"
        try:
            return Registration.model_validate({field: text}).model_dump(mode="json", exclude_none=True)
        except ValidationError:
            return None

    # -- the result ----------------------------------------------------------------------------

    def workshop(self, data: dict[str, Any], workshop_id: str) -> Workshop:
        return Workshop.model_validate({
            "id": workshop_id, "title": {"de": data["title"]}, "topics": data["topics"],
            "languages": data["languages"], "start": data["start"], "end": data["end"],
            "online": bool(data.get("online")), "address": data.get("address"),
            "district": data.get("district"), "provider": data["provider"],
            "capacity": data.get("capacity"), "registration": data["registration"], "cost": data.get("cost"),
        }, context={"tz": self.voice.tz})

    def preview(self, data: dict[str, Any], partners: list[Partner]) -> str:
        _ = self._
        labels = dict(self.topics)
        languages = dict(self.languages)
        districts = dict(self.districts)
        start = datetime.fromisoformat(data["start"])
        end = datetime.fromisoformat(data["end"])
        voice = self.voice
        if end - start < timedelta(days=1):
            when = voice.t.when(start, end, voice.tz)
        else:
            when = voice.t.datetime(start, voice.tz) + " – " + voice.t.datetime(end, voice.tz)
        place = _("Online") if data.get("online") else f"{data.get('address')} ({districts.get(data['district'], '')})"
        provider = next((p.name for p in partners if p.id == data["provider"]), data["provider"])
        registration = ", ".join(data["registration"].values())
        cost = data.get("cost")
        lines = [
            _("Please check the new workshop:"), "",
            f"📌 {isolated(data['title'])}",
            f"🗓 {when}",
            f"📍 {place}",
            "🏷 " + ", ".join(labels.get(t, t) for t in data["topics"]),
            "🗣 " + ", ".join(languages.get(c, c) for c in data["languages"]),
            "🏢 " + provider,
            "✍️ " + registration,
            "👥 " + (self.voice.n(data["capacity"]) if data.get("capacity") else _("No limit")),
            "💶 " + (_("Free of charge") if cost is not None and Decimal(cost) == 0
                     else f"{cost} €" if cost is not None else _("Not stated")),
        ]
        return "\n".join(lines)
