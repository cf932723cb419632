"""One bot per database: a lease row taken in a write transaction and renewed every few
seconds. A second `msobot run` on the same database stops at once; a holder without a
heartbeat for `STALE` (or whose process is gone from this machine) is taken over, so a crash
never blocks a restart."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.storage import Store
from bot.storage.outbox import OutboxStore

log = logging.getLogger(__name__)

STALE = timedelta(seconds=30)
HEARTBEAT_SECONDS = 5.0
STALE_CLAIM = timedelta(minutes=10)  # far longer than any delivery attempt may take
NAME = "bot"


@dataclass(frozen=True)
class Holder:
    holder: str
    host: str
    pid: int
    command: str
    started_at: datetime
    heartbeat_at: datetime

    def alive(self, now: datetime) -> bool:
        """Heartbeat fresh, and (on this machine) its process still there."""
        if now - self.heartbeat_at >= STALE:
            return False
        return self.host != socket.gethostname() or _process_exists(self.pid)

    def earlier_run_of_this_process(self) -> bool:
        """Our own pid on our own machine, under another holder id: a container restarted with
        the same process id, never a second live bot."""
        return self.host == socket.gethostname() and self.pid == os.getpid()

    def describe(self, now: datetime) -> str:
        age = max(0, int((now - self.heartbeat_at).total_seconds()))
        return (f"{self.command} on {self.host} (pid {self.pid}) since "
                f"{self.started_at.astimezone():%Y-%m-%d %H:%M:%S %Z}, last heartbeat {age} s ago")


class LeaseHeld(Exception):
    def __init__(self, holder: Holder, now: datetime) -> None:
        super().__init__(f"another bot runs on this database: {holder.describe(now)}")
        self.holder = holder


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


async def current_holder(store: Store) -> Holder | None:
    row: Any = await store.fetch_one("SELECT * FROM lease WHERE name = ?", NAME)
    if row is None:
        return None
    return Holder(row["holder"], row["host"], int(row["pid"]), row["command"],
                  datetime.fromisoformat(row["started_at"]), datetime.fromisoformat(row["heartbeat_at"]))


async def running_bot(store: Store) -> Holder | None:
    """The holder if it is alive, else None."""
    holder = await current_holder(store)
    return holder if holder is not None and holder.alive(store.now()) else None


class Lease:
    def __init__(self, store: Store, command: str) -> None:
        self.store = store
        self.command = command
        self.id = uuid.uuid4().hex
        self.held = False

    async def acquire(self) -> None:
        """Take the lease or raise LeaseHeld; what a dead holder's workers had claimed in the
        outbox is pending again."""
        now = self.store.now()
        async with self.store.transaction():
            previous = await current_holder(self.store)
            if previous is not None and previous.holder != self.id and previous.alive(now) \
                    and not previous.earlier_run_of_this_process():
                raise LeaseHeld(previous, now)
            await self.store.db.execute(
                "INSERT OR REPLACE INTO lease (name, holder, host, pid, command, started_at, heartbeat_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (NAME, self.id, socket.gethostname(), os.getpid(), self.command, now.isoformat(), now.isoformat()))
            released = await OutboxStore(self.store).release_claims(previous.holder) if previous else 0
        self.held = True
        if previous is not None:
            log.info("lease taken over from %s; %d unfinished deliveries pending again",
                     previous.describe(now), released)

    async def renew(self) -> bool:
        """False when another process has taken the lease (this one went silent too long)."""
        async with self.store.single_statement():
            changed = await self.store.db.modify(
                "UPDATE lease SET heartbeat_at = ? WHERE name = ? AND holder = ?",
                (self.store.now().isoformat(), NAME, self.id))
        self.held = changed.rowcount == 1
        return self.held

    async def release(self) -> None:
        if not self.held:
            return
        async with self.store.single_statement():
            await self.store.db.execute("DELETE FROM lease WHERE name = ? AND holder = ?", (NAME, self.id))
        self.held = False

    async def keep(self, on_lost: Callable[[], None], interval: float = HEARTBEAT_SECONDS) -> None:
        """Renew until cancelled; tell `on_lost` once if the lease is gone. Claims in the
        outbox older than any attempt (a worker that died without the lease changing) are
        released on the way."""
        beats = 0
        while True:
            await asyncio.sleep(interval)
            try:
                if not await self.renew():
                    log.error("the lease of this database was taken over by another process; stopping")
                    on_lost()
                    return
                beats += 1
                if beats % 12 == 0:
                    async with self.store.single_statement():
                        await OutboxStore(self.store).release_stale(self.store.now() - STALE_CLAIM)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lease heartbeat failed; trying again")
