"""When an unsolicited message may go out: never in the quiet hours (local time)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

QUIET = (time(21, 0), time(8, 0))


def quiet_hours_end(now: datetime, tz: tzinfo, quiet: tuple[time, time] | None = QUIET) -> datetime:
    """`now`, or the end of the quiet hours (local time) when `now` falls inside them."""
    if quiet is None:
        return now
    begin, end = quiet
    local = now.astimezone(tz)
    clock = local.time()
    inside = (begin <= clock or clock < end) if begin > end else (begin <= clock < end)
    if not inside:
        return now
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz)
