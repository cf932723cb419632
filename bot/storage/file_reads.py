"""Reads of a database file without opening the store: no migration, no lock taken, nothing
written (`mode=ro`). For whoever looks at a file another process may be running on (`msobot
status`, the refusal of `msobot restore`) or at a file that is not ours yet (a backup, checked
before it counts or is put back)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.storage.holder import NAME

DEFAULT_TIMEOUT = 5.0  # sqlite3's own: seconds to wait for a writer's lock


@dataclass(frozen=True)
class InboxFigures:
    last_handled_at: str | None
    waiting: int
    oldest_waiting_since: str | None  # when the oldest update not handled yet arrived


@dataclass(frozen=True)
class OutboxFigures:
    pending: int  # pending or being sent
    failed: int
    due: int  # pending and due by the time asked about
    oldest_due_since: str | None


class FileReads:
    """The questions asked of a database file, on one read-only connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def tables(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def integrity_check(self) -> list[Any]:
        """SQLite's findings, ["ok"] for a sound file."""
        return [row[0] for row in self.db.execute("PRAGMA integrity_check")]

    def lease_row(self) -> sqlite3.Row | None:
        """The row the holder of the database's lock wrote (`bot.storage.holder`)."""
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM lease WHERE name = ?", (NAME,)).fetchone()
        return row

    def inbox(self) -> InboxFigures:
        one = self.db.execute("SELECT MAX(handled_at) AS last, SUM(handled_at IS NULL) AS waiting, "
                              "MIN(CASE WHEN handled_at IS NULL THEN received_at END) AS oldest FROM inbox").fetchone()
        return InboxFigures(one["last"], int(one["waiting"] or 0), one["oldest"])

    def outbox(self, stamp: str) -> OutboxFigures:
        """`stamp`: now, as stored (ISO): what is due by then."""
        one = self.db.execute(
            "SELECT SUM(state IN ('pending', 'sending')) AS pending, SUM(state = 'failed') AS failed, "
            "SUM(state = 'pending' AND not_before <= ?) AS due, "
            "MIN(CASE WHEN state = 'pending' AND not_before <= ? THEN not_before END) AS oldest FROM outbox",
            (stamp, stamp)).fetchone()
        return OutboxFigures(int(one["pending"] or 0), int(one["failed"] or 0), int(one["due"] or 0), one["oldest"])

    def meta(self, key: str) -> str | None:
        """A value of the `meta` table; None without one, or in a file from before the table."""
        if "meta" not in self.tables():
            return None
        one = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return one["value"] if one else None

    def last_digest_claimed_at(self) -> str | None:
        at: str | None = self.db.execute("SELECT MAX(claimed_at) AS at FROM digests").fetchone()["at"]
        return at

    def questionnaire_version(self) -> str | None:
        """The questionnaire version deployed last."""
        one = self.db.execute("SELECT version FROM questionnaire_versions ORDER BY deployed_at DESC LIMIT 1").fetchone()
        return one["version"] if one else None


@contextlib.contextmanager
def read_only(path: Path, timeout: float = DEFAULT_TIMEOUT) -> Iterator[FileReads]:
    """A read-only connection to the file at `path`, closed at the end of the block; sqlite3's
    errors pass through (`bot.storage.database.DatabaseError`)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)) as db:
        db.row_factory = sqlite3.Row
        yield FileReads(db)


def lease_row(database: Path) -> sqlite3.Row | None:
    """The lock holder's row, read without waiting for anything; None in a database from before
    the lease."""
    with read_only(database, timeout=10) as file:
        try:
            return file.lease_row()
        except sqlite3.OperationalError:
            return None
