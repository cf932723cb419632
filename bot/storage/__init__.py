"""SQLite storage: connection and migrations (`database`), reads and writes (`store`)."""

from bot.storage.database import BeforeMigration, connect, connect_reader
from bot.storage.store import Store, Submission, User

__all__ = ["Store", "Submission", "User", "connect", "open_reader", "open_store"]


async def open_store(path: str | object, before_migration: BeforeMigration | None = None) -> Store:
    """The store, with a read-only connection beside it for heavy reports (`Store.snapshot`)."""
    store = Store(await connect(str(path), before_migration))
    reader = await connect_reader(str(path))
    if reader is not None:
        store.share_views(Store(reader, clock=store.clock))
    return store


async def open_reader(path: str | object) -> Store:
    """Only a read-only connection, for a job in its own process (`bot.kernel.offload`):
    `snapshot()` reads one consistent view of the file there."""
    reader = await connect_reader(str(path))
    if reader is None:
        raise ValueError("an in-memory database cannot be read from another process")
    store = Store(reader)
    store.reads_only = True
    return store
