"""A workshop in the user's calendar: an .ics file (RFC 5545), so one tap puts it into the
phone's calendar, and the reminder the evening before."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

from icalendar import Calendar, Event

from bot.catalog.model import Workshop
from bot.kernel.outcome import Document
from bot.kernel.text import plain
from bot.suggestions.screens import SuggestionScreens

PRODID = "-//Stadt Wuppertal//MSO Assistant//DE"
REMINDER_AT = time(18, 0)  # the evening before


def workshop_ics(uid: str, title: str, start: datetime, end: datetime, location: str | None,
                 description: str | None, url: str | None, stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@msobot.wuppertal.de")
    event.add("dtstamp", stamp)
    # UTC: every calendar app shows it in the phone's local time
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", title)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def reminder_time(start: datetime, tz: tzinfo) -> datetime:
    """The evening before a workshop, local time."""
    day_before = start.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_AT, tzinfo=tz)


def reminder_key(user_id: int, workshop_id: str) -> str:
    """The outbox's dedupe key of the one reminder a user gets for a workshop."""
    return f"reminder:{user_id}:{workshop_id}"


def calendar_file(screens: SuggestionScreens, workshop: Workshop, provider: str | None, now: datetime) -> Document:
    """In the reader's language, as the card is: the place, the title (marked German where staff
    gave no translation) and how to register."""
    location = screens._("Online") if workshop.online else \
        f"{workshop.address} ({screens.district(workshop.district)})"
    title = screens.catalog_text(workshop.title) or workshop.id
    description = "\n\n".join(p for p in (screens.catalog_text(workshop.description), provider,
                                          screens.registration(workshop)) if p)
    location, title, description = (plain(location), plain(title), plain(description))
    content = workshop_ics(workshop.id, title, workshop.start, workshop.end, location, description,
                           workshop.registration.link, now)
    return Document(filename=f"{workshop.id}.ics", content=content, caption=screens.calendar_caption(),
                    mime_type="text/calendar")
