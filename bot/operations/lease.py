"""One writer per database, enforced by the kernel: the bot holds an exclusive `flock` on a
lock file beside the database for its whole life. The kernel lets go of it only when the
process ends (a crash included), whatever PID namespace or container the process runs in:
WAL needs every writer on one host anyway. A frozen bot (SIGSTOP, a paused VM) keeps its lock,
so nothing takes over and nothing is sent twice; `msobot status` sees its heartbeat grow old
and reports it, so the orchestrator restarts it.

The holder writes a row (instance id, host, pid, command, start) that the one refused reads to
say who holds the database, and renews its heartbeat there. With each heartbeat it checks that
the database file is still the one it opened (device and inode): a file put in its place by
anything but `msobot restore` (which takes the lock itself) stops the bot before it writes
again."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.kernel.files import private_file
from bot.storage import Store
from bot.storage.holder import HolderStore
from bot.storage.outbox import OutboxStore

log = logging.getLogger(__name__)

STALE = timedelta(seconds=30)  # a heartbeat older than this: the holder is frozen or stuck
HEARTBEAT_SECONDS = 5.0
STALE_CLAIM = timedelta(minutes=10)  # far longer than any delivery attempt may take
PATIENCE = 1.0  # seconds to retry the lock while `msobot status` looks at it for a moment


@dataclass(frozen=True)
class Holder:
    holder: str
    host: str
    pid: int
    command: str
    started_at: datetime
    heartbeat_at: datetime

    def describe(self, now: datetime) -> str:
        age = max(0, int((now - self.heartbeat_at).total_seconds()))
        return (f"{self.command} on {self.host} (instance {self.holder[:8]}, pid {self.pid}) since "
                f"{self.started_at.astimezone():%Y-%m-%d %H:%M:%S %Z}, last heartbeat {age} s ago")


def unknown(now: datetime) -> Holder:
    """A holder that has not written its row yet (it is starting)."""
    return Holder("unknown", "an unknown host", 0, "a process that is starting", now, now)


class LeaseHeld(Exception):
    def __init__(self, holder: Holder, now: datetime) -> None:
        super().__init__(f"another bot runs on this database: {holder.describe(now)}")
        self.holder = holder


class Busy(Exception):
    """Another process holds the database's lock."""


def lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def take_lock(database: Path, patience: float = PATIENCE) -> int:
    """The exclusive lock, as an open file descriptor (closing it lets go); Busy when another
    process holds it. A process that only looks (`is_locked`) holds it for a moment: retried
    for `patience` seconds."""
    path = private_file(lock_file(database))
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise Busy(str(path)) from None
            time.sleep(0.02)


def is_locked(database: Path) -> bool:
    """Whether some process (this one included) holds the database's lock, without creating
    anything or keeping it from a bot that starts now for longer than a moment."""
    try:
        fd = os.open(lock_file(database), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def held(database: Path) -> Iterator[None]:
    """The lock for a command that must be alone with the database (`msobot restore`)."""
    fd = take_lock(database)
    try:
        yield
    finally:
        os.close(fd)


def identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def holder_from(row: Any) -> Holder:
    return Holder(row["holder"], row["host"], int(row["pid"]), row["command"],
                  datetime.fromisoformat(row["started_at"]), datetime.fromisoformat(row["heartbeat_at"]))


async def database_file(store: Store) -> Path | None:
    """The file behind the store's connection (None in memory)."""
    name = await HolderStore(store).database_file()
    return Path(name) if name else None


async def current_holder(store: Store) -> Holder | None:
    row = await HolderStore(store).current()
    return holder_from(row) if row is not None else None


async def running_bot(store: Store) -> Holder | None:
    """Who holds the database's lock (frozen or not), else None."""
    path = await database_file(store)
    if path is None or not await asyncio.to_thread(is_locked, path):
        return None
    return await current_holder(store) or unknown(store.now())


class Lease:
    def __init__(self, store: Store, command: str) -> None:
        self.store = store
        self.command = command
        self.id = uuid.uuid4().hex
        self.held = False
        self._fd: int | None = None
        self._path: Path | None = None
        self._identity: tuple[int, int] | None = None

    async def acquire(self) -> None:
        """Take the lock or raise LeaseHeld. What the previous holder (a process that ended)
        had claimed in the outbox and not finished, and claims older than any attempt (a
        console chat that died), are pending again."""
        self._path = await database_file(self.store)
        if self._path is not None:
            try:
                self._fd = await asyncio.to_thread(take_lock, self._path)
            except Busy:
                now = self.store.now()
                raise LeaseHeld(await current_holder(self.store) or unknown(now), now) from None
            self._identity = identity(self._path)
        try:
            now = self.store.now()
            async with self.store.transaction():
                previous = await current_holder(self.store)
                await self._write_row(now)
                outbox = OutboxStore(self.store)
                released = await outbox.release_claims(previous.holder) if previous else 0
                released += await outbox.release_stale(now - STALE_CLAIM)
        except BaseException:
            self._let_go()
            raise
        self.held = True
        if released:
            log.info("%d deliveries an earlier run left unfinished are pending again", released)

    async def _write_row(self, now: datetime) -> None:
        await HolderStore(self.store).write(self.id, socket.gethostname(), os.getpid(), self.command, now)

    def replaced(self) -> str | None:
        """Why the database file is no longer the one this process opened, if it is not."""
        if self._path is None or self._identity is None:
            return None
        try:
            now = identity(self._path)
        except FileNotFoundError:
            return f"the database file {self._path} is gone"
        if now != self._identity:
            return f"the database file {self._path} was replaced by another file"
        return None

    async def renew(self) -> str | None:
        """The heartbeat; the reason to stop instead (the file was replaced: nothing written)."""
        problem = self.replaced()
        if problem is not None:
            self.held = False
            return problem
        async with self.store.single_statement():
            await HolderStore(self.store).heartbeat(self.id)
        return None

    async def release(self) -> None:
        if self.held:
            self.held = False
            async with self.store.single_statement():
                await HolderStore(self.store).remove(self.id)
        self._let_go()

    def _let_go(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def keep(self, on_lost: Callable[[str], None], interval: float = HEARTBEAT_SECONDS) -> None:
        """Renew until cancelled; tell `on_lost` once, with the reason, if the database file
        was replaced."""
        while True:
            await asyncio.sleep(interval)
            try:
                problem = await self.renew()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lease heartbeat failed; trying again")
                continue
            if problem is not None:
                log.error("%s; stopping before writing to it again", problem)
                self.store.refuse_writes(problem)
                on_lost(problem)
                return
