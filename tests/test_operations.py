"""Running it in production: the lease, migrations by two processes at once, backups while
users answer, restore, and the status a monitor reads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.kernel.actions import Kind
from bot.kernel.outcome import Screen
from bot.operations import backups
from bot.operations.backups import BackupError, check_database, copy_database, keep
from bot.operations.lease import STALE_CLAIM, Lease, held, running_bot
from bot.outbox import screen_payload
from bot.storage import Store, connect
from bot.storage.database import migrate, schema_version
from bot.storage.migrations import MIGRATIONS
from bot.storage.outbox import OutboxStore
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock
from tests.helpers.services import answer_current, live, make_service, onboard

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def msobot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT,
                          env=environment, timeout=60)


async def foreign_lease(store: Store, heartbeat: datetime, holder: str = "elsewhere-bot") -> None:
    """The row a bot (in this test: the test process, holding the lock) wrote."""
    async with store.transaction():
        await store.db.execute(
            "INSERT OR REPLACE INTO lease (name, holder, host, pid, command, started_at, heartbeat_at) "
            "VALUES ('bot', ?, 'other-host', 4242, 'msobot run', ?, ?)",
            (holder, heartbeat.isoformat(), heartbeat.isoformat()))


# -- the lease ---------------------------------------------------------------------------------

async def test_the_next_holder_finds_what_an_ended_one_was_sending_pending_again(tmp_path: Path) -> None:
    """The kernel lets go of the lock when a holder dies; the next one puts back what the dead
    one had claimed, and claims older than any attempt (a console chat that died), and leaves
    younger claims of others (a console chat sending now) alone."""
    clock = Clock(NOW)
    path = tmp_path / "db.sqlite3"
    first, second = Store(await connect(path), clock=clock), Store(await connect(path), clock=clock)
    try:
        dead = Lease(first, "msobot run")
        await dead.acquire()
        outbox = OutboxStore(first)
        rows = []
        async with first.transaction():
            await first.set_language(9, "de")
            for text in ("the dead bot's", "an old console's", "a console's now"):
                rows.append(await outbox.enqueue(9, 9, "push", screen_payload(Screen(text=text))))
        assert None not in rows
        assert await outbox.claim(rows[0], f"{dead.id}:attempt1")
        clock.now = NOW - STALE_CLAIM - timedelta(seconds=1)
        assert await outbox.claim(rows[1], "console:attempt1")
        clock.now = NOW - STALE_CLAIM + timedelta(seconds=1)
        assert await outbox.claim(rows[2], "console:attempt2")
        clock.now = NOW
        assert await running_bot(second) is not None
        dead._let_go()  # as the kernel does when its process ends: no goodbye in the database
        assert await running_bot(second) is None
        await Lease(second, "msobot run").acquire()
        states = [tuple(r) for r in await second.fetch_all("SELECT state, claimed_by FROM outbox ORDER BY id")]
        assert states == [("pending", None), ("pending", None), ("sending", "console:attempt2")]
    finally:
        await first.close()
        await second.close()


async def test_a_row_without_a_lock_is_no_holder(tmp_path: Path) -> None:
    """A row whose writer ended (killed, or another container): a fresh heartbeat is no lock."""
    store = Store(await connect(tmp_path / "db.sqlite3"))
    try:
        await foreign_lease(store, store.now())
        assert await running_bot(store) is None
        lease = Lease(store, "msobot run")
        await lease.acquire()
        holder = await running_bot(store)
        assert holder is not None and holder.holder == lease.id
    finally:
        await store.close()


# -- migrations ----------------------------------------------------------------------------------

async def test_two_processes_starting_at_once_migrate_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.sqlite3"
    old = await aiosqlite.connect(str(path), isolation_level=None)
    await old.execute("PRAGMA journal_mode = WAL")
    monkeypatch.setattr("bot.storage.database.MIGRATIONS", MIGRATIONS[:6])
    await migrate(old)  # a database of the version before
    await old.close()
    monkeypatch.undo()
    backups_made: list[int] = []

    async def backup_first(version: int) -> None:
        backups_made.append(version)
        await asyncio.sleep(0.2)  # the other one tries meanwhile

    first, second = await asyncio.gather(connect(path, backup_first), connect(path, backup_first))
    try:
        assert await schema_version(first) == await schema_version(second) == len(MIGRATIONS)
        assert backups_made == [6]  # one migration run, with its backup first
    finally:
        await first.close()
        await second.close()


async def test_a_backup_is_made_before_a_migration_and_it_is_the_old_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    old = await aiosqlite.connect(str(path), isolation_level=None)
    await old.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:6]:
        await migration(old)
    await old.execute("PRAGMA user_version = 6")
    await old.execute("INSERT INTO users (id, language, created_at) VALUES (5, 'tr', '2026-01-01')")
    await old.close()
    made: list[Path] = []

    async def backup_first(version: int) -> None:
        made.append(backups.before_migration(path, tmp_path / "backups", version, NOW).path)

    db = await connect(path, backup_first)
    await db.close()
    assert len(made) == 1 and made[0].name.startswith("msobot-before-schema-7-")
    assert check_database(made[0]) == 6
    with contextlib.closing(sqlite3.connect(made[0])) as copy:
        assert copy.execute("SELECT id, language FROM users").fetchall() == [(5, "tr")]


# -- backups -------------------------------------------------------------------------------------

def test_nightly_copies_are_kept_seven_days_and_four_weeks() -> None:
    days = [date(2026, 12, 1) - timedelta(days=n) for n in range(60)]
    # 1 December 2026 is a Tuesday: the newest copies of the four newest weeks are that day
    # and the three Sundays before, two of which are older than the seven daily copies.
    assert keep(days) == set(days[:7]) | {date(2026, 11, 22), date(2026, 11, 15)}
    assert keep(days[:3]) == set(days[:3])


async def test_a_backup_while_twenty_users_answer_holds_what_was_committed_and_restores(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    service = await make_service(database)
    try:
        screens = {}
        for user_id in range(1, 21):
            screens[user_id] = live(await onboard(service, Visitor(user_id, "en")))
        stop, under_way = asyncio.Event(), asyncio.Event()
        given = [0]

        async def keep_answering(user_id: int) -> None:
            while not stop.is_set():
                if any(b.role in (Kind.CONFIRM, Kind.CONTINUE) for row in screens[user_id].buttons for b in row):
                    return  # the summary: this user answered everything (a slow backup lets them)
                outcome = await answer_current(service, Visitor(user_id, "en"), screens[user_id])
                given[0] += 1
                if given[0] >= 40:  # about two answers each: under way, far from done
                    under_way.set()
                if not any(s.prompt for s in outcome.messages) and not (outcome.source and outcome.source.prompt):
                    return
                screens[user_id] = live(outcome)

        users = [asyncio.create_task(keep_answering(u)) for u in range(1, 21)]
        await under_way.wait()
        committed = set(_answers(database))  # every answer committed before the backup starts
        copy = await asyncio.to_thread(copy_database, database, tmp_path / "backups" / "now.sqlite3")
        stop.set()
        await asyncio.gather(*users)
        assert check_database(copy.path) == len(MIGRATIONS)  # integrity_check ok
        in_copy = set(_answers(copy.path))
        assert committed and committed <= in_copy
        assert len(set(_answers(database))) > len(committed)  # they went on answering meanwhile
    finally:
        await service.store.close()
    aside = backups.restore(database, copy.path, NOW)
    assert set(_answers(database)) == in_copy
    assert aside.exists() and set(_answers(aside)) > in_copy  # the database before is kept


def _answers(database: Path) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return db.execute("SELECT submission_id, question_id, value FROM answers").fetchall()


def test_restore_refuses_a_broken_file_and_while_a_bot_runs(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    asyncio.run(_make_database(database))
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not an SQLite database"):
        check_database(junk)
    result = msobot("restore", str(junk), MSOBOT_DATABASE=str(database))
    assert result.returncode == 1 and "not restored" in result.stderr
    good = msobot("backup", "--output", str(tmp_path / "b.sqlite3"), MSOBOT_DATABASE=str(database))
    assert good.returncode == 0 and "integrity check ok" in good.stdout, good.stderr
    asyncio.run(_with_live_foreign_bot(database))
    with held(database):
        refused = msobot("restore", str(tmp_path / "b.sqlite3"), MSOBOT_DATABASE=str(database))
    assert refused.returncode == 1 and "a bot runs on this database" in refused.stderr
    assert not list(tmp_path.glob("db.sqlite3.before-restore-*"))  # nothing was touched


async def _make_database(path: Path) -> None:
    db = await connect(path)
    await db.close()


async def _with_live_foreign_bot(path: Path) -> None:
    store = Store(await connect(path))
    try:
        await foreign_lease(store, datetime.now(UTC))
    finally:
        await store.close()


# -- status ----------------------------------------------------------------------------------------

def test_status_says_whether_a_bot_runs_and_what_waits(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    asyncio.run(_make_database(database))
    down = msobot("status", MSOBOT_DATABASE=str(database))
    assert down.returncode == 1 and "no bot is running on this database" in down.stdout
    asyncio.run(_with_live_foreign_bot(database))
    assert msobot("status", MSOBOT_DATABASE=str(database)).returncode == 1  # a row, but nobody holds the lock
    with held(database):
        up = msobot("status", "--json", MSOBOT_DATABASE=str(database))
    report = json.loads(up.stdout)
    assert up.returncode == 0, up.stdout
    assert report["running"] and report["holder"].startswith("msobot run on other-host (instance elsewher, pid 4242)")
    assert report["schema_version"] == len(MIGRATIONS) and report["outbox_pending"] == 0
    # An update stuck for ten minutes makes it unhealthy.
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (1, '{}', ?)",
                   ((datetime.now(UTC) - timedelta(minutes=10)).isoformat(),))
    stuck = msobot("status", MSOBOT_DATABASE=str(database))
    assert stuck.returncode == 1 and "1 updates wait, the oldest for" in stuck.stdout
    missing = msobot("status", MSOBOT_DATABASE=str(tmp_path / "nothing.sqlite3"))
    assert missing.returncode == 1 and "no database at" in missing.stdout


def test_the_nightly_copy_is_made_and_old_ones_go(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    asyncio.run(_make_database(database))
    folder = tmp_path / "backups"
    first = date(2026, 10, 1)
    for n in range(60):  # two months of nights
        backups.nightly(database, folder, first + timedelta(days=n))
    kept = sorted(p.name for p in folder.iterdir())
    expected = sorted(f"msobot-{d.isoformat()}.sqlite3" for d in keep([first + timedelta(days=n) for n in range(60)]))
    assert kept == expected and len(kept) == 10  # the 7 newest (to Sunday 29 November) and 3 Sundays before
    assert check_database(folder / kept[-1]) == len(MIGRATIONS)


async def test_migration_8_records_earlier_consent_and_scrubs_other_users_ids(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.sqlite3"
    old = await aiosqlite.connect(str(path), isolation_level=None)
    await old.execute("PRAGMA journal_mode = WAL")
    monkeypatch.setattr("bot.storage.database.MIGRATIONS", MIGRATIONS[:7])
    await migrate(old)
    monkeypatch.undo()
    await old.execute("INSERT INTO users (id, language, created_at, consent_at) VALUES (5, 'tr', '2026-01-01', "
                      "'2026-01-02T10:00:00+00:00')")
    await old.execute("INSERT INTO events (at, user_id, kind, data) VALUES ('2026-01-03', 5, 'suggestions_shown', "
                      "'{\"refs\": [\"workshop:w1\", \"peer:4711\"]}')")
    await old.execute("INSERT INTO events (at, user_id, kind, data) VALUES ('2026-01-03', NULL, 'staff_refused', "
                      "'{\"telegram_user\": 4711, \"command\": \"export\"}')")
    await old.close()
    store = Store(await connect(path))
    try:
        user = await store.user(5)
        assert user is not None and user.notice_version == "1" and not user.agreed("2")  # asked again
        consents = [tuple(r) for r in await store.fetch_all("SELECT purpose, given, notice_version FROM consents")]
        assert consents == [("survey", 1, "1")]
        data = [json.loads(r["data"]) for r in await store.fetch_all("SELECT data FROM events ORDER BY id")]
        assert data == [{"refs": ["workshop:w1", "peer"]}, {"command": "export"}]
    finally:
        await store.close()
