"""Storage: schema migrations, settings of the connection, and what a write keeps."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.storage import Store, connect
from bot.storage.database import migrate, schema_version
from bot.storage.migrations import MIGRATIONS


async def test_a_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await connect(tmp_path / "sub" / "x.sqlite3")
    try:
        assert await schema_version(db) == len(MIGRATIONS)
        async with db.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
        async with db.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]
        await migrate(db)  # running again changes nothing
        assert await schema_version(db) == len(MIGRATIONS)
    finally:
        await db.close()


async def test_a_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    db = await connect(tmp_path / "x.sqlite3")
    await db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        await migrate(db)
    await db.close()


async def test_a_failing_migration_leaves_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(db: aiosqlite.Connection) -> None:
        await db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.storage.database.MIGRATIONS", [*MIGRATIONS, broken])
    db = await aiosqlite.connect(str(tmp_path / "x.sqlite3"), isolation_level=None)
    with pytest.raises(RuntimeError, match="boom"):
        await migrate(db)
    assert await schema_version(db) == len(MIGRATIONS)
    async with db.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'") as cursor:
        assert await cursor.fetchone() is None
    await db.close()


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    return Store(await connect(tmp_path / "x.sqlite3"))


async def test_answers_round_trip_and_overwrite(store: Store) -> None:
    async with store.transaction():
        await store.set_language(7, "tr")
        submission = await store.create_submission(7, "mso-needs", "1")
        await store.save_answer(submission.id, "communities", ["turkish"])
        await store.save_answer(submission.id, "strengths", None)
        await store.save_answer(submission.id, "communities", ["kurdish", "other"])
    assert await store.answers(submission.id) == {"communities": ["kurdish", "other"], "strengths": None}
    await store.close()


async def test_a_rolled_back_transaction_keeps_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.set_language(7, "tr")
            raise RuntimeError("crash")
    assert await store.user(7) is None
    await store.close()


async def test_update_ids_are_claimed_once(store: Store) -> None:
    async with store.transaction():
        assert await store.claim_update(10)
        assert not await store.claim_update(10)
        assert await store.claim_update(11)
    await store.close()


async def test_deleting_a_user_deletes_their_answers(store: Store) -> None:
    async with store.transaction():
        await store.set_language(7, "de")
        submission = await store.create_submission(7, "mso-needs", "1")
        await store.save_answer(submission.id, "org_name", "Verein")
        await store.set_organisation_name(submission.id, "Verein")
        await store.save_draft(submission.id, "communities", ["turkish"])
        await store.log_event("answer", 7, submission.id)
        await store.delete_user(7)
    for table in ("users", "organisations", "submissions", "answers", "drafts"):
        assert (await store.fetch_all(f"SELECT count(*) FROM {table}"))[0][0] == 0, table
    assert await store.fetch_all("SELECT * FROM events") == []  # their events go with them
    await store.close()


async def test_no_garbage_collection_while_the_write_lock_may_be_held(store: Store) -> None:
    # A full collection of a city-sized heap pauses every thread for 100 ms and more; inside a
    # transaction that would keep every other writer waiting (issue 17).
    assert gc.isenabled()
    async with store.transaction():
        await store.set_language(1, "de")
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        async with store.transaction():
            raise RuntimeError("rolled back")
    assert gc.isenabled()


async def _broken_write(store: Store) -> None:
    await store.write("INSERT INTO answers (submission_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)",
                      999_999, "q", "1", "2027-01-01")  # no such submission: a foreign key fails


async def test_a_put_off_write_that_fails_names_where_it_was_issued(tmp_path: Path) -> None:
    """Put off to the COMMIT, the failing write still says which function issued it, and the
    whole unit of work is rolled back."""
    from bot.storage.connection import WriteFailed

    store = Store(await connect(tmp_path / "db.sqlite3"))
    try:
        with pytest.raises(WriteFailed, match=r"tests\.test_store\._broken_write:\d+.*INSERT INTO answers"):
            async with store.transaction():
                await store.write("INSERT INTO meta (key, value) VALUES ('probe', 'x')")
                await _broken_write(store)
        assert await store.fetch_one("SELECT 1 FROM meta WHERE key = 'probe'") is None
        with pytest.raises(WriteFailed, match=r"_broken_write"):  # outside a transaction: at once
            await _broken_write(store)
    finally:
        await store.close()


async def test_a_unit_of_works_writes_go_to_the_database_in_one_trip(tmp_path: Path) -> None:
    """BEGIN, the put-off writes and the COMMIT are one call to aiosqlite (one trip to its
    thread), made through its public `execute`; a read sends the writes before it with it."""
    store = Store(await connect(tmp_path / "db.sqlite3"))
    calls: list[str] = []
    real = store.db.raw.execute

    def counted(sql: str, parameters: Any = None) -> Any:
        calls.append(sql)
        return real(sql, parameters)

    store.db.raw.execute = counted  # type: ignore[method-assign]
    try:
        async with store.transaction():
            for key in ("a", "b", "c"):
                await store.write("INSERT INTO meta (key, value) VALUES (?, 'x')", key)
        assert len(calls) == 1
        calls.clear()
        async with store.transaction():
            await store.write("UPDATE meta SET value = 'y' WHERE key = 'a'")
            row = await store.fetch_one("SELECT value FROM meta WHERE key = 'a'")
        assert row is not None and row["value"] == "y"  # the read saw the write sent with it
        assert len(calls) == 2  # BEGIN + write + read, then COMMIT
    finally:
        store.db.raw.execute = real  # type: ignore[method-assign]
        await store.close()


def test_no_private_aiosqlite_names_are_used() -> None:
    """Only aiosqlite's public calls: a private one may change in any release."""
    import re

    private = {name for cls in (aiosqlite.Connection, aiosqlite.Cursor) for name in vars(cls)
               if name.startswith("_") and not name.startswith("__")} | {"_conn", "_connection", "_tx", "_cursor"}
    assert "_execute" in private
    root = Path(__file__).resolve().parent.parent
    used = re.compile(r"\.(" + "|".join(sorted(map(re.escape, private))) + r")\b")
    found = [f"{path.relative_to(root)}:{number}: {line.strip()}"
             for folder in ("bot", "conversations", "bench") for path in sorted((root / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if used.search(line)]
    assert found == []


async def test_a_database_opened_without_the_batching_connection_is_named_as_the_cause(tmp_path: Path) -> None:
    """A store over a connection `bot.storage.database.connect` did not open says what to do,
    instead of sqlite3's "parameters are of unsupported type"."""
    from bot.storage.connection import Connection

    db = await aiosqlite.connect(str(tmp_path / "plain.sqlite3"), isolation_level=None)
    try:
        with pytest.raises(TypeError, match=r"bot\.storage\.database\.connect"):
            await Connection(db).run(lambda conn: None)
    finally:
        await db.close()
