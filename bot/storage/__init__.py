"""SQLite storage: connection and migrations (`database`), reads and writes (`store`)."""

from bot.storage.database import BeforeMigration, connect
from bot.storage.store import Store, Submission, User

__all__ = ["Store", "Submission", "User", "connect", "open_store"]


async def open_store(path: str | object, before_migration: BeforeMigration | None = None) -> Store:
    return Store(await connect(str(path), before_migration))
