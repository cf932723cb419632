"""`msobot restore` puts back only what the migrations would have made (issue 25): a planted
trigger, an extra index or a changed table is refused with one line naming it, and a damaged
row is caught by the integrity check."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.operations.backups import BackupError, check_database, check_schema, restore
from bot.storage import connect
from bot.storage.migrations import MIGRATIONS
from tests.test_operations import NOW, msobot

LEAK = """CREATE TRIGGER leak AFTER INSERT ON organisations BEGIN
    INSERT INTO events (at, user_id, kind, data) VALUES (datetime('now'), NULL, 'x', NEW.name);
END"""


def database(path: Path, change: Callable[[sqlite3.Connection], object] = lambda _db: None) -> Path:
    asyncio.run(_create(path))
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        change(db)
    return path


async def _create(path: Path) -> None:
    db = await connect(path)
    await db.close()


def test_a_backup_with_a_planted_trigger_is_refused(tmp_path: Path) -> None:
    live = database(tmp_path / "msobot.sqlite3", lambda db: db.execute(
        "INSERT INTO users (id, language, created_at) VALUES (1, 'de', '2026-01-01')"))
    hostile = database(tmp_path / "hostile.sqlite3", lambda db: db.execute(LEAK))
    assert check_database(hostile) == len(MIGRATIONS)  # sound as a file: only its schema betrays it
    refused = msobot("restore", str(hostile), MSOBOT_DATABASE=str(live))
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 1 and lines == [
        f"msobot: not restored: {hostile}: unexpected trigger 'leak' (not in schema version {len(MIGRATIONS)})"]
    assert not list(tmp_path.glob("msobot.sqlite3.before-restore-*"))  # nothing was touched
    with contextlib.closing(sqlite3.connect(live)) as db:
        assert db.execute("SELECT id FROM users").fetchall() == [(1,)]
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == []


@pytest.mark.parametrize(("change", "named"), [
    ("CREATE INDEX users_language ON users(language)", "unexpected index 'users_language'"),
    ("DROP INDEX partner_contacts_partner", "index 'partner_contacts_partner' of schema version"),
    ("ALTER TABLE users ADD COLUMN secret TEXT", "table 'users' differs from schema version"),
    ("CREATE VIEW everyone AS SELECT * FROM users", "unexpected view 'everyone'"),
])
def test_anything_but_the_migrations_schema_is_refused(tmp_path: Path, change: str, named: str) -> None:
    path = database(tmp_path / "changed.sqlite3", lambda db: db.execute(change))
    with pytest.raises(BackupError, match=named):
        restore(tmp_path / "msobot.sqlite3", path, NOW)
    assert not (tmp_path / "msobot.sqlite3").exists()


def test_an_older_backup_is_checked_against_its_own_version(tmp_path: Path) -> None:
    """A copy made before a migration has the schema of its version, and restores."""
    path = database(tmp_path / "current.sqlite3")
    check_schema(path, len(MIGRATIONS))
    # The newest version before a migration that changed the schema (some only change data).
    for older in range(len(MIGRATIONS) - 1, 0, -1):
        try:
            check_schema(path, older)
        except BackupError as exc:
            assert f"schema version {older}" in str(exc)
            break
    else:
        raise AssertionError("no older schema version differs from the current one")


def _null_language(path: Path) -> None:
    """A row no sound database can hold (a NULL in a NOT NULL column), under the very schema
    the migrations make: what a damaged file looks like to everything but integrity_check."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        original = db.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
    for sql in (original.replace("language TEXT NOT NULL", "language TEXT"), original):
        with contextlib.closing(sqlite3.connect(path)) as raw, raw:
            raw.execute("PRAGMA writable_schema = ON")
            raw.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'users'", (sql,))
        if sql != original:
            with contextlib.closing(sqlite3.connect(path)) as raw, raw:
                raw.execute("INSERT INTO users (id, language, created_at) VALUES (7, NULL, '2026-01-01')")


def test_a_damaged_row_is_caught_by_the_integrity_check(tmp_path: Path) -> None:
    path = database(tmp_path / "damaged.sqlite3")
    _null_language(path)
    check_schema(path, len(MIGRATIONS))  # the schema is as it should be: only the rows are wrong
    with pytest.raises(BackupError, match=r"integrity check failed: NULL value in users\.language"):
        check_database(path)
    with pytest.raises(BackupError, match="integrity check failed"):
        restore(tmp_path / "msobot.sqlite3", path, NOW)
