"""The outbox against a stub Bot API that enforces Telegram's limits, answers 429 and cuts
connections: every message arrives exactly once, and a restart neither repeats nor loses."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from telegram.ext import ExtBot

from bot.kernel.outcome import Screen
from bot.outbox import OutboxWorker, Parcel, parcel_from_payload, screen_payload
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
