"""Backups with SQLite's online backup API: a consistent copy while the bot runs, checked
before it counts; nightly copies kept 7 days and 4 weeks; one before every migration; and
putting a copy back (never under a running bot, and only a file whose tables, indexes and
triggers are exactly what the migrations create: a planted trigger would run on every write)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.kernel.files import private_file
from bot.storage.copies import backup_copy, fold_log
from bot.storage.database import UnreadableFile
from bot.storage.file_reads import read_only
from bot.storage.migrations import MIGRATIONS
from bot.storage.schemas import file_schema, migrated_schema

DAILY, WEEKLY = 7, 4
NIGHTLY = re.compile(r"^msobot-(\d{4}-\d{2}-\d{2})\.sqlite3$")


class BackupError(Exception):
    """The copy or the file to restore is not a sound msobot database; the message says why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int


def copy_database(database: Path, target: Path) -> Backup:
    """A consistent copy of `database` (committed data only, while others keep writing), as
    one self-contained file, checked with `PRAGMA integrity_check` before it replaces `target`."""
    if not database.is_file():
        raise BackupError(f"{database}: no database there")
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    private_file(part)  # in a private folder; SQLite takes the empty file as a new database
    try:
        backup_copy(database, part)
        check_database(part)
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
    return Backup(target, target.stat().st_size)


def check_database(path: Path) -> int:
    """The schema version of a sound msobot database; BackupError otherwise."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with read_only(path) as file:
            result = file.integrity_check()
            if result != ["ok"]:
                raise BackupError(f"{path}: integrity check failed: {'; '.join(map(str, result[:3]))}")
            version = file.schema_version()
            tables = file.tables()
    except UnreadableFile as exc:
        raise BackupError(f"{path}: not an SQLite database ({exc})") from exc
    if version < 1 or not {"users", "submissions", "answers"} <= tables:
        raise BackupError(f"{path}: not an msobot database")
    return version


def check_schema(path: Path, version: int) -> None:
    """BackupError naming the first table, index, trigger or view that is not what the
    migrations create for `version` (one extra, one missing, or one defined otherwise)."""
    if version > len(MIGRATIONS):
        raise BackupError(f"{path}: schema version {version} is newer than this program ({len(MIGRATIONS)})")
    found = file_schema(path)
    expected = migrated_schema(version)
    for key in sorted(found.keys() - expected.keys()):
        raise BackupError(f"{path}: unexpected {key[0]} {key[1]!r} "
                          f"(not in schema version {version})")
    for key in sorted(expected.keys() - found.keys()):
        raise BackupError(f"{path}: {key[0]} {key[1]!r} of schema version {version} is missing")
    for key in sorted(expected):
        if found[key] != expected[key]:
            raise BackupError(f"{path}: {key[0]} {key[1]!r} differs from schema version {version}")


def nightly(database: Path, directory: Path, today: date) -> Backup:
    """Tonight's copy, then the ones no longer kept are deleted."""
    made = copy_database(database, directory / f"msobot-{today.isoformat()}.sqlite3")
    dated = {date.fromisoformat(m.group(1)): p for p in directory.iterdir() if (m := NIGHTLY.match(p.name))}
    for day in set(dated) - keep(list(dated)):
        dated[day].unlink(missing_ok=True)
    return made


def keep(days: list[date]) -> set[date]:
    """The newest DAILY copies, and the newest copy of each of the WEEKLY newest weeks."""
    newest = sorted(days, reverse=True)
    weeks: dict[tuple[int, int], date] = {}
    for day in newest:
        weeks.setdefault(day.isocalendar()[:2], day)
    return set(newest[:DAILY]) | set(sorted(weeks.values(), reverse=True)[:WEEKLY])


def before_migration(database: Path, directory: Path, version: int, now: datetime) -> Backup:
    """The copy made before a migration from schema `version` changes anything."""
    return copy_database(database, directory / f"msobot-before-schema-{version + 1}-{now:%Y%m%d-%H%M%S}.sqlite3")


def latest(directory: Path) -> Backup | None:
    found = list(directory.glob("msobot-*.sqlite3")) if directory.is_dir() else []
    if not found:
        return None
    newest = max(found, key=lambda p: p.stat().st_mtime)
    return Backup(newest, newest.stat().st_size)


def restore(database: Path, backup: Path, now: datetime) -> Path:
    """Put `backup` in place of `database`; the current file (with its -wal and -shm) is kept
    aside, and its new name returned. The caller makes sure no bot runs."""
    check_schema(backup, check_database(backup))
    aside = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
    if database.exists():
        fold_log(database)  # the committed state in one file, if it can
        database.replace(aside)
    for suffix in ("-wal", "-shm"):
        extra = database.with_name(database.name + suffix)
        if extra.exists():
            extra.replace(aside.with_name(aside.name + suffix))
    part = database.with_name(database.name + ".restoring")
    shutil.copyfile(backup, private_file(part))
    part.replace(database)
    return aside
