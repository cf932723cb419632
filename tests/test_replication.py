"""Copies off the machine with Litestream, using the shipped configuration: the bot's database is
replicated to a file replica while associations answer; deleted, it is restored from the replica
with every committed answer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.survey.turns import Visitor
from tests.helpers.services import answer_current, live, make_service, onboard

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "litestream.yml"
LITESTREAM = shutil.which("litestream", path=str(Path(sys.executable).parent)) or shutil.which("litestream")

pytestmark = pytest.mark.skipif(LITESTREAM is None, reason="litestream is not installed (msobot[replication])")


async def litestream(env: dict[str, str], command: str, *args: str) -> tuple[int, str]:
    assert LITESTREAM is not None
    process = await asyncio.create_subprocess_exec(LITESTREAM, command, "-config", str(CONFIG), *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace")


def answers(database: Path) -> set[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return set(db.execute("SELECT submission_id, question_id, value FROM answers"))


@pytest.mark.slow
async def test_a_deleted_database_comes_back_from_the_litestream_replica(tmp_path: Path) -> None:
    database = tmp_path / "data" / "msobot.sqlite3"
    env = {**os.environ, "MSOBOT_DATABASE": str(database), "MSOBOT_REPLICA_URL": f"file://{tmp_path / 'replica'}"}
    service = await make_service(database)
    assert LITESTREAM is not None
    replicating = await asyncio.create_subprocess_exec(
        LITESTREAM, "replicate", "-config", str(CONFIG), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        for user_id in (1, 2, 3):
            visitor = Visitor(user_id, "tr")
            screen = live(await onboard(service, visitor, "tr"))
            for _ in range(4):
                screen = live(await answer_current(service, visitor, screen))
        committed = answers(database)
        assert len(committed) == 12
        probe = tmp_path / "probe.sqlite3"
        for _ in range(60):  # until the replica holds them (Litestream syncs about once a second)
            probe.unlink(missing_ok=True)
            code, out = await litestream(env, "restore", "-o", str(probe), str(database))
            if code == 0 and probe.exists() and committed <= answers(probe):
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"the replica never caught up: {out}")
    finally:
        replicating.send_signal(signal.SIGTERM)
        await asyncio.wait_for(replicating.wait(), 30)
        await service.store.close()
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    code, out = await litestream(env, "restore", "-if-db-not-exists", "-if-replica-exists", str(database))
    assert code == 0, out
    assert answers(database) == committed
