"""SQLite storage: connection and migrations (`database`), reads and writes (`store`)."""

from bot.storage.accounts import User
from bot.storage.database import BeforeMigration, connect, connect_reader
from bot.storage.store import Store, Submission
from bot.storage.unit import AS_STORED, Views

__all__ = ["Store", "Submission", "User", "Views", "connect", "open_reader", "open_store"]


async def open_store(path: str | object, before_migration: BeforeMigration | None = None,
                     views: Views = AS_STORED) -> Store:
    """The store, with a read-only connection beside it for heavy reports (`Store.snapshot`);
    both read stored answers through `views` (renamed questions)."""
    writer = await connect(str(path), before_migration)
    connection = await connect_reader(str(path))
    reader = Store(connection, views=views) if connection is not None else None
    return Store(writer, views=views, reader=reader)


async def open_reader(path: str | object, views: Views = AS_STORED) -> Store:
    """Only a read-only connection, for a job in its own process (`bot.kernel.offload`):
    `snapshot()` reads one consistent view of the file there."""
    reader = await connect_reader(str(path))
    if reader is None:
        raise ValueError("an in-memory database cannot be read from another process")
    return Store(reader, views=views, reads_only=True)
