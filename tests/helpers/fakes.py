"""Stand-ins the domain tests share: a clock the test sets, and a transport that records."""

from __future__ import annotations

from datetime import datetime

from bot.outbox import Parcel


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    """An outbox transport that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Parcel]] = []

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        self.sent.append((chat_id, parcel))

    def texts(self, chat_id: int) -> list[str]:
        return [p.screen.text for c, p in self.sent if c == chat_id and p.screen is not None]
