"""The outbox where it could go wrong (issue 25): a rolled-back row whose id a later row takes,
and a bot whose database file was replaced under it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.outcome import Screen
from bot.operations.lease import Lease
from bot.outbox import OutboxWorker, Parcel, screen_payload
from bot.storage import Store, connect
from bot.storage.outbox import OutboxStore
from tests.test_outbox import RolledBack, compose


class Recorder:
    """A transport that keeps what it was given; `on_send` runs inside each send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.on_send: Any = None

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        assert parcel.screen is not None
        self.sent.append((chat_id, parcel.screen.text))
        if self.on_send is not None:
            await self.on_send()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = Store(await connect(tmp_path / "outbox.sqlite3"))
    yield opened
    await opened.close()


async def queue(store: Store, chat_id: int, text: str) -> int | None:
    await store.set_language(chat_id, "de")
    return await OutboxStore(store).enqueue(chat_id, chat_id, "push", screen_payload(Screen(text=text)))


async def read_or_waits(worker: asyncio.Task[None], store: Store, claiming: asyncio.Event) -> None:
    """Until the worker waits for the store (its transaction is open) or has read a row and
    goes to claim it."""
    for _ in range(2000):
        if worker.done() or claiming.is_set() or any(not w.done() for w in store._lock._waiters or ()):
            return
        await asyncio.sleep(0.005)
    raise TimeoutError("the worker neither waited nor read")


async def test_a_rolled_back_row_is_not_sent_when_a_committed_one_takes_its_id(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker looks for due rows while a transaction of its connection has queued one; that
    transaction rolls back and the next one's row gets the same id (SQLite hands out the id
    again). Had the worker read the uncommitted row, its claim of that id would succeed on the
    new row, and it would send the rolled-back text to the rolled-back row's chat."""
    committed, claiming = asyncio.Event(), asyncio.Event()
    claim = OutboxStore.claim

    async def claim_after_the_new_row(self: OutboxStore, row_id: int, token: str) -> bool:
        claiming.set()
        await committed.wait()
        return await claim(self, row_id, token)

    monkeypatch.setattr(OutboxStore, "claim", claim_after_the_new_row)
    transport = Recorder()
    worker = OutboxWorker(store, transport, compose)
    drained: asyncio.Task[None] | None = None
    with pytest.raises(RolledBack):
        async with store.transaction():
            rolled_back = await queue(store, 500, "rolled back")
            drained = asyncio.create_task(worker.drain(limit_seconds=10))
            await read_or_waits(drained, store, claiming)
            raise RolledBack
    async with store.transaction():
        assert await queue(store, 501, "committed") == rolled_back  # the id is handed out again
    committed.set()
    assert drained is not None
    await drained
    await worker.drain(limit_seconds=10)
    assert transport.sent == [(501, "committed")]


async def test_after_the_database_file_is_replaced_the_worker_sends_nothing_more(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The single writer's heartbeat finds another file in its database's place while the
    worker sends: the message in flight is the last one; the worker's next claim fails."""
    path = tmp_path / "outbox.sqlite3"
    lease = Lease(store, "msobot run")
    await lease.acquire()
    async with store.transaction():
        for chat in (601, 602, 603):
            await queue(store, chat, f"for {chat}")
    lost: list[str] = []
    beat = asyncio.create_task(lease.keep(lost.append, interval=0.01))
    tried_after_loss = asyncio.Event()
    claim = OutboxStore.claim

    async def watched(self: OutboxStore, row_id: int, token: str) -> bool:
        if lost:
            tried_after_loss.set()
        return await claim(self, row_id, token)

    async def replace_the_file() -> None:
        if len(transport.sent) == 1:
            shutil.copyfile(path, tmp_path / "copy.sqlite3")
            os.replace(tmp_path / "copy.sqlite3", path)
            await asyncio.wait_for(beat, 5)  # the heartbeat noticed

    monkeypatch.setattr(OutboxStore, "claim", watched)
    transport = Recorder()
    transport.on_send = replace_the_file
    worker = OutboxWorker(store, transport, compose, holder=lease.id, rate=1000, poll_seconds=0.01,
                          max_in_flight=1)  # one at a time: the next claim waits for the send
    running = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(tried_after_loss.wait(), 10)  # it tried to go on sending
        await worker.stop()
        await asyncio.wait_for(running, 10)
    finally:
        beat.cancel()
        running.cancel()
        for task in (beat, running):
            with contextlib.suppress(BaseException):
                await task
    assert lost == [f"the database file {path} was replaced by another file"]
    assert transport.sent == [(601, "for 601")]
