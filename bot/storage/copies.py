"""Copying a database file with SQLite's online backup API, and folding a file's log into it
before it is moved aside (`bot.operations.backups`: when, where and what is kept)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


def backup_copy(database: Path, copy: Path) -> None:
    """A consistent copy of `database` into `copy` (committed data only, while others keep
    writing), as one self-contained file: no -wal file beside it."""
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as source, \
            contextlib.closing(sqlite3.connect(copy)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")


def fold_log(database: Path) -> None:
    """The committed state in one file, if it can be had: a file SQLite cannot read is left as it is."""
    with contextlib.suppress(sqlite3.DatabaseError), \
            contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
