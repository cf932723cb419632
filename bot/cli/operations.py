"""The operator's commands: `msobot backup`, `msobot restore`, `msobot status`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from bot.operations import backups
from bot.operations.backups import BackupError
from bot.operations.lease import Busy, Holder, held, holder_from, unknown
from bot.operations.status import read_status
from bot.staff.record import record
from bot.storage.database import DatabaseError
from bot.storage.file_reads import lease_row


def backup(settings: Settings, output: Path | None) -> int:
    now = datetime.now(UTC)
    target = output or settings.backups() / f"msobot-manual-{now.astimezone(settings.tz):%Y%m%d-%H%M%S}.sqlite3"
    try:
        made = backups.copy_database(settings.database, target)
    except (BackupError, DatabaseError) as exc:
        print(f"msobot: no backup made: {exc}", file=sys.stderr)
        return 1
    print(f"{made.path} ({made.size:,} bytes, integrity check ok)")
    return 0


def restore(settings: Settings, file: Path) -> int:
    """Under the database's lock, so never while a bot holds it, running or frozen."""
    now = datetime.now(UTC)
    try:
        with held(settings.database):
            aside = backups.restore(settings.database, file, now.astimezone(settings.tz))
    except Busy:
        holder = _holder(settings.database) or unknown(now)
        print(f"msobot: not restored: a bot runs on this database ({holder.describe(now)}); stop it first",
              file=sys.stderr)
        return 1
    except (BackupError, DatabaseError, OSError) as exc:
        print(f"msobot: not restored: {exc}", file=sys.stderr)
        return 1
    print(f"{settings.database} restored from {file}; the database before is kept as {aside}")
    return 0


def status(settings: Settings, as_json: bool) -> int:
    report = read_status(settings.database, settings.backups(), datetime.now(UTC))
    if as_json:
        print(json.dumps(report.model_dump(), indent=2))
    else:
        print("\n".join(report.lines()))
    return 0 if report.healthy else 1


def _holder(database: Path) -> Holder | None:
    """The row the lock's holder wrote, read without waiting for anything."""
    if not database.is_file():
        return None
    row = lease_row(database)
    return holder_from(row) if row is not None else None


def privacy_record(settings: Settings, language: str) -> int:
    t = Catalogs(settings.locales_dir, default="de", domain=STAFF_DOMAIN).translator(language)
    print(record(t, settings, datetime.now(UTC).astimezone(settings.tz).date()))
    return 0
