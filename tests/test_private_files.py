"""The database, its write-ahead log, the lock, backups and exports are created 0600 in
folders created 0700 (issue 25): the answers are special categories of personal data, and
no other account on the host may read them, whatever umask the bot was started with."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.operations import backups
from bot.operations.lease import Lease
from bot.storage import Store, connect
from tests.test_operations import ROOT


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (files 0644, folders 0755), as a shell or an image starts a process."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


async def test_the_database_its_log_and_its_lock_are_private(tmp_path: Path, loose_umask: None) -> None:
    path = tmp_path / "data" / "msobot.sqlite3"
    store = Store(await connect(path))
    try:
        lease = Lease(store, "msobot run")
        await lease.acquire()
        async with store.transaction():
            await store.set_language(1, "de")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                 path.with_name(path.name + ".lock")]
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(path.parent) == 0o700
        await lease.release()
    finally:
        await store.close()


async def test_an_existing_readable_database_is_made_private(tmp_path: Path, loose_umask: None) -> None:
    """A database from before: the bot tightens it when it opens it."""
    path = tmp_path / "msobot.sqlite3"
    await _create(path)
    os.chmod(path, 0o644)
    db = await connect(path)
    await db.close()
    assert mode(path) == 0o600


def test_backups_and_a_restored_database_are_private(tmp_path: Path, loose_umask: None) -> None:
    database = tmp_path / "msobot.sqlite3"
    asyncio.run(_create(database))
    made = backups.nightly(database, tmp_path / "backups", datetime.now(UTC).date())
    assert mode(made.path) == 0o600 and mode(made.path.parent) == 0o700
    os.chmod(made.path, 0o644)  # a copy brought from elsewhere
    database.unlink()
    backups.restore(database, made.path, datetime.now(UTC))
    assert mode(database) == 0o600


async def _create(path: Path) -> None:
    db = await connect(path)
    await db.close()


def test_the_command_keeps_everything_it_writes_private(tmp_path: Path) -> None:
    """`msobot` started with umask 022: its backup, its exports and the digest's chart are 0600
    all the same."""
    database = tmp_path / "msobot.sqlite3"
    asyncio.run(_create(database))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env["MSOBOT_DATABASE"] = str(database)

    def msobot(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=60, preexec_fn=lambda: os.umask(0o022))
        assert done.returncode == 0, done.stderr

    msobot("backup", "--output", str(tmp_path / "copies" / "b.sqlite3"))
    msobot("export", "--format", "csv", "--output", str(tmp_path / "exports" / "answers.csv"))
    msobot("export", "--format", "xlsx", "--output", str(tmp_path / "exports" / "answers.xlsx"))
    msobot("digest", "--print", "--chart", str(tmp_path / "exports" / "chart.png"))  # private by the umask
    written = [tmp_path / "copies" / "b.sqlite3", tmp_path / "exports" / "answers.csv",
               tmp_path / "exports" / "answers.xlsx", tmp_path / "exports" / "chart.png"]
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}
    assert mode(tmp_path / "copies") == mode(tmp_path / "exports") == 0o700
