"""An .ics file for a workshop, so one tap puts it into the phone's calendar (RFC 5545)."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

PRODID = "-//Stadt Wuppertal//MSO Assistant//DE"


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
