"""SQLite storage: connection and migrations (`database`), reads and writes (`store`)."""

from bot.storage.database import connect
from bot.storage.store import Store, Submission, User

__all__ = ["Store", "Submission", "User", "connect", "open_store"]


async def open_store(path: str | object) -> Store:
    return Store(await connect(str(path)))
