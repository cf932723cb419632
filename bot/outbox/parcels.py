"""What the outbox carries: a finished screen or file (or a row its owner composes when it is
due), and how a transport says that a delivery failed."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from pydantic import BaseModel

from bot.kernel.outcome import Document, Screen
from bot.storage.outbox import OutboxRow


def screen_payload(screen: Screen) -> dict[str, object]:
    return {"type": "screen", "screen": screen.model_dump(mode="json")}


class Parcel(BaseModel):
    """What one outbox row becomes when it is due: a screen or a file."""

    kind: Literal["screen", "document"]
    screen: Screen | None = None
    document: Document | None = None


def parcel_from_payload(payload: dict[str, object]) -> Parcel | None:
    """Rows that carry finished content; other types are composed by the owner of the row."""
    if payload.get("type") == "screen":
        return Parcel(kind="screen", screen=Screen.model_validate(payload["screen"]))
    if payload.get("type") == "document":
        data = dict(payload)
        content = data.get("content")  # bytes: read from outbox_files by the worker
        data["content"] = content if isinstance(content, bytes) else base64.b64decode(str(content))
        return Parcel(kind="document", document=Document.model_validate(data))
    return None


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The user blocked the bot or deleted the account: stop writing to them."""


class Transient(Exception):
    """Network trouble or a server error: the same message may be tried again."""


class Rejected(Exception):
    """Telegram refused this message for good (a bug on our side); retrying will not help."""


class Unconfirmed(Exception):
    """The message went out but Telegram's answer did not come back (a read timeout). Telegram
    carries out a request whose sender stopped waiting, so it most likely arrived: it counts as
    sent, because sending it again would show it twice."""


class Transport(Protocol):
    async def send(self, chat_id: int, parcel: Parcel) -> None: ...


Compose = Callable[[OutboxRow], Awaitable[Parcel | None]]
