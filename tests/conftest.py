from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.kernel.settings import Settings
from bot.storage.inbox import InboxStore
from tests.helpers.bot_api_stub import StubBotAPI


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read a developer's MSOBOT_* variables or .env file."""
    import os
    for name in list(os.environ):
        if name.startswith("MSOBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    """`bot.cli.main` makes its process's files private (umask 077); a test that calls it
    leaves the umask as it found it."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.fixture(autouse=True)
def _close_databases(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every aiosqlite connection a test opened is closed in teardown, also when the test failed
    before closing it: aiosqlite's thread is not a daemon, and one left running keeps the test
    run from ever exiting."""
    opened: list[aiosqlite.Connection] = []
    original = aiosqlite.Connection.__init__

    def tracked(self: aiosqlite.Connection, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(aiosqlite.Connection, "__init__", tracked)
    yield
    for connection in opened:
        if connection._running:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                connection.stop()  # its thread closes the sqlite3 connection and ends


@pytest.fixture
async def bot_api() -> AsyncIterator[StubBotAPI]:
    api = StubBotAPI()
    await api.start()
    yield api
    await api.stop()
    assert not api.unknown, f"the bot called Bot API methods the stub does not know: {sorted(set(api.unknown))}"


@pytest.fixture(scope="session")
def office_gallery() -> dict[str, list[Any]]:
    """What partner contacts and staff read (`collect_office`), per staff language: made once for
    the run, for the checks that read it (the gallery's checks, Telegram's limits)."""
    import asyncio

    from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
    from bot.review.gallery import collect_office
    return {code: asyncio.run(collect_office(code)) for code in Catalogs(domain=STAFF_DOMAIN).languages}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Scripted phones answer far faster than any person: the flood limit is the flood test's,
    # and one message a second per chat the pacing tests' (test_one_pacing, test_flooding).
    return Settings(telegram_token="123456:TEST-TOKEN", database=tmp_path / "msobot.sqlite3",
                    throttle_burst=10_000, chat_interval=0.0, web_port=0, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def inbox_fails_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The first write to the inbox fails (a locked or full disk); the ids each write got."""
    original = InboxStore.record
    writes: list[int] = []

    async def record(self: InboxStore, updates: list[tuple[int, int | None, str]]) -> list[int]:
        writes.extend(update_id for update_id, _user, _payload in updates)
        if len(writes) == len(updates):
            raise sqlite3.OperationalError("disk I/O error")
        return await original(self, updates)

    monkeypatch.setattr(InboxStore, "record", record)
    yield writes
