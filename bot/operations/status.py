"""What a monitor needs to know, read straight from the database file (no migration, no
lock taken): is a bot running (it holds the database's lock) and alive (its heartbeat is
fresh: a frozen bot keeps the lock, and only a restart helps it), is anything stuck, when
were the last digest and backup."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from bot.operations.backups import latest
from bot.operations.lease import STALE, holder_from, is_locked
from bot.storage.erasure import WAITING
from bot.storage.file_reads import FileReads, read_only

INBOX_LATE = timedelta(minutes=1)  # an update waiting longer: the bot is stuck
OUTBOX_LATE = timedelta(minutes=15)  # a message due this long and not sent: delivery is stuck
ERASURE_LATE = timedelta(minutes=5)  # erased data still in the log this long: a reader never lets go


class Status(BaseModel):
    database: str
    database_bytes: int = 0
    schema_version: int | None = None
    questionnaire_version: str | None = None
    running: bool = False
    holder: str | None = None
    heartbeat_seconds_ago: int | None = None
    last_update_handled_at: str | None = None
    inbox_waiting: int = 0
    inbox_oldest_seconds: int | None = None
    outbox_pending: int = 0
    outbox_due: int = 0
    outbox_failed: int = 0
    outbox_oldest_due_seconds: int | None = None
    last_digest_at: str | None = None
    erasure_waiting_since: str | None = None  # an erasure whose log readers still hold (bot.storage.erasure)
    last_backup: str | None = None
    last_backup_at: str | None = None
    last_backup_bytes: int | None = None
    problems: list[str] = []

    @property
    def healthy(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        def ago(seconds: int | None) -> str:
            return "–" if seconds is None else f"{seconds} s ago"

        return [
            f"database        {self.database} ({self.database_bytes:,} bytes, schema {self.schema_version}, "
            f"questionnaire version {self.questionnaire_version or '–'})",
            f"bot             {self.holder or 'not running'}"
            + (f" (heartbeat {ago(self.heartbeat_seconds_ago)})" if self.holder else ""),
            f"updates         last handled {self.last_update_handled_at or '–'}; {self.inbox_waiting} waiting"
            + (f", the oldest for {self.inbox_oldest_seconds} s" if self.inbox_oldest_seconds is not None else ""),
            f"outbox          {self.outbox_pending} pending ({self.outbox_due} due"
            + (f", the oldest for {self.outbox_oldest_due_seconds} s" if self.outbox_oldest_due_seconds is not None
               else "") + f"), {self.outbox_failed} failed",
            f"last digest     {self.last_digest_at or '–'}",
            *([f"erasure         waiting since {self.erasure_waiting_since} for readers of the database to finish: "
               "the log file still holds erased data"] if self.erasure_waiting_since else []),
            f"last backup     {self.last_backup or '–'}"
            + (f" ({self.last_backup_bytes:,} bytes, {self.last_backup_at})" if self.last_backup else ""),
            *(f"PROBLEM         {p}" for p in self.problems),
        ]


def _seconds(now: datetime, then: str | None) -> int | None:
    return None if then is None else max(0, int((now - datetime.fromisoformat(then)).total_seconds()))


def read_status(database: Path, backups: Path, now: datetime) -> Status:
    status = Status(database=str(database))
    if not database.is_file():
        status.problems.append(f"no database at {database}")
        return status
    status.database_bytes = sum(p.stat().st_size for p in (database, database.with_name(database.name + "-wal"))
                                if p.exists())
    with read_only(database, timeout=10) as file:
        status.schema_version = file.schema_version()
        if not {"lease", "inbox"} <= file.tables():
            status.problems.append("the database has not been opened by this version yet (start the bot once)")
            return status
        _read(file, status, now, is_locked(database))
    backup = latest(backups)
    if backup is not None:
        status.last_backup, status.last_backup_bytes = str(backup.path), backup.size
        status.last_backup_at = datetime.fromtimestamp(backup.path.stat().st_mtime, tz=now.tzinfo).isoformat(
            timespec="seconds")
    return status


def _read(file: FileReads, status: Status, now: datetime, locked: bool) -> None:
    status.running = locked
    lease = file.lease_row()
    if locked and lease is not None:
        holder = holder_from(lease)
        status.holder = (f"{holder.command} on {holder.host} (instance {holder.holder[:8]}, pid {holder.pid}) "
                         f"since {holder.started_at.isoformat()}")
        status.heartbeat_seconds_ago = _seconds(now, lease["heartbeat_at"])
    if not locked:
        status.problems.append("no bot is running on this database")
    elif status.heartbeat_seconds_ago is None or status.heartbeat_seconds_ago > STALE.total_seconds():
        status.problems.append(f"the bot holding this database has not written a heartbeat for "
                               f"{status.heartbeat_seconds_ago} s (frozen or stuck): restart it")
    inbox = file.inbox()
    status.last_update_handled_at, status.inbox_waiting = inbox.last_handled_at, inbox.waiting
    status.inbox_oldest_seconds = _seconds(now, inbox.oldest_waiting_since)
    if status.inbox_oldest_seconds is not None and status.inbox_oldest_seconds > INBOX_LATE.total_seconds():
        status.problems.append(f"{status.inbox_waiting} updates wait, the oldest for {status.inbox_oldest_seconds} s")
    outbox = file.outbox(now.isoformat())
    status.outbox_pending, status.outbox_failed = outbox.pending, outbox.failed
    status.outbox_due = outbox.due
    status.outbox_oldest_due_seconds = _seconds(now, outbox.oldest_due_since)
    if status.outbox_oldest_due_seconds is not None and status.outbox_oldest_due_seconds > OUTBOX_LATE.total_seconds():
        status.problems.append(f"{status.outbox_due} messages are due, the oldest for "
                               f"{status.outbox_oldest_due_seconds} s")
    status.erasure_waiting_since = file.meta(WAITING)
    waited = _seconds(now, status.erasure_waiting_since)
    if waited is not None and waited > ERASURE_LATE.total_seconds():
        status.problems.append(f"an erasure has waited {waited} s for readers of the database (a long read "
                               "transaction: a backup, Litestream, another process); erased data is still on disk")
    status.last_digest_at = file.last_digest_claimed_at()
    status.questionnaire_version = file.questionnaire_version()
