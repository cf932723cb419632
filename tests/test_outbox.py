"""The outbox against a stub Bot API that enforces Telegram's limits, answers 429 and cuts
connections: every message arrives exactly once, and a restart neither repeats nor loses."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.kernel.outcome import Screen
from bot.outbox import OutboxWorker, Parcel, parcel_from_payload, screen_payload
from bot.outbox.worker import MAX_ATTEMPTS
from bot.storage import Store, connect
from bot.storage.outbox import OutboxRow, OutboxStore
from conversations.transport import TelegramTransport
from tests.helpers.bot_api_stub import StubBotAPI


async def compose(row: OutboxRow) -> Parcel | None:
    return parcel_from_payload(row.payload)


async def open_store(path: Path) -> Store:
    return Store(await connect(path))


async def fill(store: Store, chats: range, per_chat: int) -> list[tuple[int, str]]:
    expected = []
    async with store.transaction():
        for chat in chats:
            await store.set_language(chat, "de")
            for i in range(per_chat):
                text = f"message {i} for {chat}"
                await OutboxStore(store).enqueue(chat, chat, "push", screen_payload(Screen(text=text)))
                expected.append((chat, text))
    return expected


def delivered(api: StubBotAPI) -> Counter[tuple[int, str]]:
    return Counter((m.chat_id, m.text) for m in api.messages.values() if m.from_bot)


async def transport(api: StubBotAPI) -> tuple[ExtBot[None], TelegramTransport]:
    bot: ExtBot[None] = ExtBot(api.token, base_url=api.url)
    await bot.initialize()
    return bot, TelegramTransport(bot)


async def test_every_message_arrives_once_despite_429_and_cut_connections(
        bot_api: StubBotAPI, tmp_path: Path) -> None:
    store = await open_store(tmp_path / "outbox.sqlite3")
    expected = await fill(store, range(100, 120), per_chat=2)
    bot_api.enforce_limits = True
    bot_api.faults["sendMessage"] = [(429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                            "parameters": {"retry_after": 1}})]
    bot_api.drop_connections = {5, 17, 30}
    bot, telegram = await transport(bot_api)
    worker = OutboxWorker(store, telegram, compose)
    try:
        await worker.drain(limit_seconds=60, horizon=60)
    finally:
        await bot.shutdown()
    assert delivered(bot_api) == Counter(expected)  # each exactly once
    assert worker.retry_afters == 1
    assert bot_api.too_fast == 0  # the pacing itself never broke Telegram's limits
    assert await OutboxStore(store).counts() == {"sent": 40}
    await store.close()


async def test_a_restart_continues_where_the_last_run_stopped(bot_api: StubBotAPI, tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    store = await open_store(path)
    expected = await fill(store, range(200, 212), per_chat=1)
    bot, telegram = await transport(bot_api)
    first = OutboxWorker(store, telegram, compose, rate=4.0)  # slow, so it is stopped half-way
    task = asyncio.create_task(first.run())
    await bot_api.wait_for(lambda _call: len(delivered(bot_api)) >= 4)
    await first.stop()
    await task
    await store.close()
    sent_before = len(delivered(bot_api))
    assert 4 <= sent_before < len(expected)

    store = await open_store(path)  # as after a restart
    second = OutboxWorker(store, telegram, compose)
    await second.drain(limit_seconds=30)
    await bot.shutdown()
    assert delivered(bot_api) == Counter(expected)
    assert second.sent == len(expected) - sent_before
    await store.close()


async def test_a_user_who_blocked_the_bot_gets_nothing_more(bot_api: StubBotAPI, tmp_path: Path) -> None:
    store = await open_store(tmp_path / "outbox.sqlite3")
    await fill(store, range(300, 301), per_chat=3)
    bot_api.faults["sendMessage"] = [(403, {"ok": False, "error_code": 403,
                                            "description": "Forbidden: bot was blocked by the user"})]
    bot, telegram = await transport(bot_api)
    await OutboxWorker(store, telegram, compose).drain()
    await bot.shutdown()
    assert delivered(bot_api) == Counter()
    assert await OutboxStore(store).counts() == {"dropped": 3}
    user = await store.user(300)
    assert user is not None and user.blocked_at is not None
    await store.close()


async def test_two_workers_on_one_database_deliver_every_row_exactly_once(
        bot_api: StubBotAPI, tmp_path: Path) -> None:
    """Two processes' workers (two connections to one file) drain the same outbox at once."""
    path = tmp_path / "outbox.sqlite3"
    first, second = await open_store(path), await open_store(path)
    expected = await fill(first, range(400, 425), per_chat=2)
    bot, telegram = await transport(bot_api)
    try:
        slow = Slowly(telegram)  # each delivery takes a moment, so neither worker can take them all
        workers = [OutboxWorker(store, slow, compose, chat_interval=0.0, rate=200.0, max_in_flight=1)
                   for store in (first, second)]
        await asyncio.gather(*(worker.drain(limit_seconds=30) for worker in workers))
    finally:
        await bot.shutdown()
    sends = Counter((int(c.params["chat_id"]), str(c.params["text"])) for c in bot_api.calls
                    if c.method == "sendMessage")
    assert sends == Counter(expected)  # 50 rows, 50 deliveries: none twice, none lost
    assert all(worker.sent > 0 for worker in workers), [w.sent for w in workers]  # both really took part
    assert sum(worker.sent for worker in workers) == len(expected)
    assert await OutboxStore(first).counts() == {"sent": 50}
    await first.close()
    await second.close()


async def test_a_reply_goes_before_thousands_of_queued_pushes(bot_api: StubBotAPI, tmp_path: Path) -> None:
    """A new workshop queued pushes for many associations; then staff ask for the export (or a
    user waits for the cards of a finished questionnaire): that goes next, not after the pushes."""
    store = await open_store(tmp_path / "outbox.sqlite3")
    await fill(store, range(500, 560), per_chat=1)
    bot, telegram = await transport(bot_api)
    worker = OutboxWorker(store, telegram, compose, rate=40.0)  # 60 pushes: about a second and a half
    running = asyncio.create_task(worker.run())
    try:
        await bot_api.wait_for(lambda c: c.method == "sendMessage", timeout=10)
        async with store.transaction():
            await OutboxStore(store).enqueue(4711, None, "export", screen_payload(Screen(text="your export")))
        worker.wake()
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("text") == "your export",
                               timeout=10)
        pushes_before = sum(1 for c in bot_api.calls if c.method == "sendMessage") - 1
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("text") == "message 0 for 559",
                               timeout=10)
    finally:
        await worker.stop()
        await asyncio.wait_for(running, 10)
        await bot.shutdown()
        await store.close()
    assert pushes_before < 20, f"the reply waited behind {pushes_before} of the 60 pushes"


class Slowly:
    def __init__(self, transport: TelegramTransport) -> None:
        self.transport = transport

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        await asyncio.sleep(0.02)
        await self.transport.send(chat_id, parcel)


class RolledBack(Exception):
    pass


async def test_rows_of_a_rolled_back_transaction_are_never_sent(
        bot_api: StubBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker shares the connection of a transaction that queues rows and then fails: it
    must not read them before the transaction ends (and then they are gone)."""
    store = await open_store(tmp_path / "outbox.sqlite3")
    reading = asyncio.Event()
    due = OutboxStore.due

    async def watched(self: OutboxStore, *args: Any, **kwargs: Any) -> list[OutboxRow]:
        reading.set()  # the worker looks for due rows now
        return await due(self, *args, **kwargs)

    monkeypatch.setattr(OutboxStore, "due", watched)
    bot, telegram = await transport(bot_api)
    worker = OutboxWorker(store, telegram, compose)
    drained: asyncio.Task[None] | None = None
    try:
        with pytest.raises(RolledBack):
            async with store.transaction():
                await store.set_language(500, "de")
                for text in ("broadcast 1", "broadcast 2"):
                    await OutboxStore(store).enqueue(500, 500, "broadcast", screen_payload(Screen(text=text)))
                drained = asyncio.create_task(worker.drain(limit_seconds=10))
                await reading.wait()  # the worker is reading while the rows are uncommitted
                await went_as_far_as_it_can(drained, store, bot_api)
                raise RolledBack
        assert drained is not None
        await drained
        async with store.transaction():  # a later, committed row (it may reuse a rolled-back id)
            await store.set_language(500, "de")
            await OutboxStore(store).enqueue(500, 500, "reply", screen_payload(Screen(text="committed")))
        await worker.drain(limit_seconds=10)
    finally:
        await bot.shutdown()
    assert [str(c.params["text"]) for c in bot_api.calls if c.method == "sendMessage"] == ["committed"]
    assert await OutboxStore(store).counts() == {"sent": 1}
    await store.close()


async def went_as_far_as_it_can(worker: asyncio.Task[None], store: Store, api: StubBotAPI) -> None:
    """Until the worker waits for the store (the transaction is open), has sent, or is done."""
    for _ in range(2000):
        if worker.done() or any(c.method == "sendMessage" for c in api.calls) \
                or any(not w.done() for w in store._lock._waiters or ()):
            return
        await asyncio.sleep(0.005)
    raise TimeoutError("the worker neither waited, sent nor finished")


async def sends(api: StubBotAPI) -> int:
    return len([c for c in api.calls if c.method == "sendMessage"])


async def test_a_refused_message_fails_and_is_not_tried_again(bot_api: StubBotAPI, tmp_path: Path) -> None:
    store = await open_store(tmp_path / "outbox.sqlite3")
    await fill(store, range(600, 601), per_chat=1)
    bot_api.faults["sendMessage"] = [(400, {"ok": False, "error_code": 400,
                                            "description": "Bad Request: can't parse entities"})]
    bot, telegram = await transport(bot_api)
    try:
        await OutboxWorker(store, telegram, compose).drain(horizon=3600)  # even retries due within the hour
    finally:
        await bot.shutdown()
    assert await sends(bot_api) == 1
    row = await store.fetch_one("SELECT state, last_error, attempts FROM outbox")
    assert row is not None and row["state"] == "failed" and "parse entities" in row["last_error"]
    await store.close()


async def test_network_trouble_backs_off_then_gives_up_after_the_last_attempt(
        bot_api: StubBotAPI, tmp_path: Path) -> None:
    store = await open_store(tmp_path / "outbox.sqlite3")
    await fill(store, range(700, 701), per_chat=1)
    bad_gateway = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    bot_api.faults["sendMessage"] = [bad_gateway, bad_gateway]
    bot, telegram = await transport(bot_api)
    worker = OutboxWorker(store, telegram, compose)
    try:
        before = store.now()
        await worker.drain()  # one attempt; the retry is not due yet
        assert await sends(bot_api) == 1
        row = await store.fetch_one("SELECT state, attempts, not_before FROM outbox")
        assert row is not None and (row["state"], row["attempts"]) == ("pending", 1)
        wait = (datetime.fromisoformat(row["not_before"]) - before).total_seconds()
        assert 0.9 <= wait <= 2.5  # 2^1 s, jittered down to half
        # The last attempt: a failure now is final.
        await store.db.execute("UPDATE outbox SET attempts = ?, not_before = ?",
                               (MAX_ATTEMPTS - 1, store.now().isoformat()))
        await worker.drain()
        assert await sends(bot_api) == 2
    finally:
        await bot.shutdown()
    row = await store.fetch_one("SELECT state, attempts, last_error FROM outbox")
    assert row is not None and row["state"] == "failed" and "Bad Gateway" in row["last_error"]
    await store.close()


async def test_the_worker_is_woken_when_a_queued_message_commits_and_not_before(tmp_path: Path) -> None:
    """The store's doorbell rings after the COMMIT of a unit of work that queued something (the
    worker would otherwise wait for its next poll), never for one that was rolled back, and at
    once for a message queued outside a transaction."""
    store = await open_store(tmp_path / "outbox.sqlite3")
    rang: list[str] = []
    store.doorbell.append(lambda: rang.append("rang"))
    outbox = OutboxStore(store)
    try:
        async with store.transaction():
            await outbox.enqueue(1, None, "push", screen_payload(Screen(text="one")))
            assert rang == []  # not committed yet: the worker would find nothing
        assert rang == ["rang"]
        with pytest.raises(RuntimeError):
            async with store.transaction():
                await outbox.enqueue(1, None, "push", screen_payload(Screen(text="two")))
                raise RuntimeError("the unit of work fails")
        assert rang == ["rang"]  # rolled back: nothing to send, no ring
        async with store.transaction():
            await store.set_language(2, "de")  # nothing queued
        assert rang == ["rang"]
        async with store.single_statement():
            await outbox.enqueue(2, None, "push", screen_payload(Screen(text="three")))
        assert rang == ["rang", "rang"]
    finally:
        await store.close()


async def test_a_running_worker_sends_what_a_unit_of_work_queued_without_waiting_for_its_poll(
        bot_api: StubBotAPI, tmp_path: Path) -> None:
    store = await open_store(tmp_path / "outbox.sqlite3")
    bot, telegram = await transport(bot_api)
    worker = OutboxWorker(store, telegram, compose, poll_seconds=3600.0)  # it would never poll in this test
    running = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0)  # the worker starts and finds nothing
        await fill(store, range(300, 301), per_chat=1)
        await bot_api.until(lambda: delivered(bot_api) or None, 10, "the message queued after the worker started")
        assert delivered(bot_api) == Counter({(300, "message 0 for 300"): 1})
    finally:
        await worker.stop()
        await running
        await bot.shutdown()
        await store.close()
