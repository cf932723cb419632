"""One writer per database, enforced by the kernel (issue 25): a bot in another PID namespace,
a frozen bot and `msobot restore` all meet the same lock; a bot whose database file is put
away under it stops before writing again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.operations.lease import Lease, LeaseHeld
from bot.storage import Store, connect
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.bot_process import BotProcess
from tests.test_single_bot import environment

NAMESPACE = ("unshare", "--pid", "--fork", "--mount-proc", "--kill-child")


def _namespaces_unavailable() -> str | None:
    if shutil.which("unshare") is None:
        return "the unshare command is not installed"
    if os.geteuid() != 0:
        return "new PID namespaces need root here (unshare --pid)"
    try:
        tried = subprocess.run([*NAMESPACE, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    return None if tried.returncode == 0 else f"unshare failed: {tried.stderr.decode().strip()}"


async def command(env: dict[str, str], *args: str, prefix: tuple[str, ...] = (),
                  timeout: float = 30) -> tuple[int | None, str]:
    """`msobot ARGS` to its end, or killed after `timeout` (then None): a bot that wrongly
    starts never outlives the test."""
    process = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "bot", *args, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        return None, (out + err).decode()
    return process.returncode, out.decode() + err.decode()


def refusal(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip() and " INFO " not in line]


def age_heartbeat(database: Path, by: timedelta) -> None:
    """As if the holder had been frozen that long."""
    then = (datetime.now(UTC) - by).isoformat()
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db, db:
        db.execute("UPDATE lease SET heartbeat_at = ?", (then,))


async def test_two_bots_in_two_pid_namespaces_share_no_database(bot_api: StubBotAPI, tmp_path: Path) -> None:
    """Two containers on one host see pid 1 each, and the same host name: the second is still
    refused, and the first goes on."""
    reason = await asyncio.to_thread(_namespaces_unavailable)
    if reason is not None:
        pytest.skip(reason)
    database = tmp_path / "msobot.sqlite3"
    first = BotProcess(bot_api, database, tmp_path / "first.log", prefix=NAMESPACE)
    try:
        await first.start()
        since = len(bot_api.calls)
        code, output = await command(environment(bot_api, database), "run", prefix=NAMESPACE)
        lines = refusal(output)
        assert code == 1 and len(lines) == 1, output
        assert lines[0].startswith(f"msobot: another bot runs on this database: msobot run on "
                                   f"{socket.gethostname()} (instance "), lines[0]
        assert ", pid 1) since " in lines[0] and lines[0].endswith("; not started.")
        assert not any(c.method == "getMe" for c in bot_api.calls[since:])
        code, output = await command(environment(bot_api, database), "status", "--json")
        assert code == 0 and '"running": true' in output, output
        await bot_api.send_message(bot_api.user(31, "de"), "/start")
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 31)
    finally:
        await first.stop()


@pytest.fixture
async def frozen_bot(bot_api: StubBotAPI, tmp_path: Path) -> AsyncIterator[tuple[BotProcess, Path]]:
    """A bot stopped with SIGSTOP whose last heartbeat is ten minutes old (a paused VM), and a
    backup of its database made before."""
    database = tmp_path / "msobot.sqlite3"
    bot = BotProcess(bot_api, database, tmp_path / "bot.log")
    try:
        await bot.start()
        backup = tmp_path / "backup.sqlite3"
        code, output = await command(environment(bot_api, database), "backup", "--output", str(backup))
        assert code == 0, output
        assert bot.pid is not None
        os.kill(bot.pid, signal.SIGSTOP)
        await asyncio.to_thread(age_heartbeat, database, timedelta(minutes=10))
        yield bot, backup
    finally:
        if bot.pid is not None:
            os.kill(bot.pid, signal.SIGCONT)
        await bot.stop()


async def test_a_frozen_bot_is_not_taken_over_and_status_says_restart_it(
        frozen_bot: tuple[BotProcess, Path], bot_api: StubBotAPI, tmp_path: Path) -> None:
    bot, _backup = frozen_bot
    env = environment(bot_api, bot.database)
    since = len(bot_api.calls)
    code, output = await command(env, "run")
    lines = refusal(output)
    assert code == 1 and len(lines) == 1, output
    assert f"msobot run on {socket.gethostname()} (instance " in lines[0]
    assert f", pid {bot.pid}) since " in lines[0] and re.search(r"last heartbeat 6\d\d s ago", lines[0])
    assert not any(c.method == "getMe" for c in bot_api.calls[since:])  # nothing took its place
    code, output = await command(env, "status")
    assert code == 1 and "(frozen or stuck): restart it" in output, output
    assert "no bot is running" not in output
    assert bot.pid is not None
    os.kill(bot.pid, signal.SIGCONT)  # it wakes and goes on, alone
    await bot_api.send_message(bot_api.user(32, "de"), "/start")
    await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 32)


async def test_restore_under_a_frozen_bot_is_refused(frozen_bot: tuple[BotProcess, Path], bot_api: StubBotAPI,
                                                    tmp_path: Path) -> None:
    bot, backup = frozen_bot
    code, output = await command(environment(bot_api, bot.database), "restore", str(backup))
    assert code == 1 and "msobot: not restored: a bot runs on this database (msobot run on " in output, output
    moved = await asyncio.to_thread(lambda: list(tmp_path.glob("msobot.sqlite3.before-restore-*")))
    assert not moved  # nothing was touched


async def test_a_bot_whose_database_file_is_replaced_stops(bot_api: StubBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    bot = BotProcess(bot_api, database, tmp_path / "bot.log")
    try:
        await bot.start()
        other = tmp_path / "other.sqlite3"
        with contextlib.closing(sqlite3.connect(database, timeout=10)) as source, \
                contextlib.closing(sqlite3.connect(other)) as copy:
            source.backup(copy)
        os.replace(other, database)  # as a careless `cp` or another tool's restore would
        assert bot.process is not None
        await asyncio.wait_for(bot.process.wait(), 30)  # at its next heartbeat
        assert bot.process.returncode == 1
        assert "was replaced by another file; stopping before writing to it again" in bot.log_tail()
    finally:
        await bot.stop()


async def test_the_holder_keeps_the_lock_however_old_its_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first, second = Store(await connect(path)), Store(await connect(path))
    try:
        holding = Lease(first, "msobot run")
        await holding.acquire()
        await asyncio.to_thread(age_heartbeat, path, timedelta(days=1))
        with pytest.raises(LeaseHeld, match=r"msobot run on .* \(instance [0-9a-f]{8}, pid \d+\) since .*"
                                            r"last heartbeat 864\d\d s ago"):
            await Lease(second, "msobot run").acquire()
        await holding.release()
        await Lease(second, "msobot run").acquire()  # given back: the next one starts at once
    finally:
        await first.close()
        await second.close()


async def test_a_replaced_file_stops_the_heartbeat_and_every_write(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(await connect(path))
    try:
        lease = Lease(store, "msobot run")
        await lease.acquire()
        shutil.copyfile(path, tmp_path / "copy.sqlite3")
        os.replace(tmp_path / "copy.sqlite3", path)
        lost: list[str] = []
        await asyncio.wait_for(lease.keep(lost.append, interval=0.01), 5)
        assert lost == [f"the database file {path} was replaced by another file"]
        with pytest.raises(RuntimeError, match="no more writes: the database file"):
            async with store.transaction():
                await store.set_language(1, "de")
    finally:
        await store.close()
