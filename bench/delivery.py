"""Part 2: pushes through the durable outbox against a Bot API that enforces Telegram's limits.

The pushes are queued with the call the product uses for new offers (`OutboxStore.enqueue`,
purpose "push", one dedupe key each, inside a transaction), spread over many chats so that the
one-message-a-second-per-chat limit matters as well as the 30 a second overall. The real
`OutboxWorker` sends them through the real `TelegramTransport` and python-telegram-bot, paced
by the bot's `SendGate` as in `msobot run` (the worker does not count the rate itself), in real
time; the in-memory Bot API answers 429 with `retry_after` when a message comes too fast.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import ExtBot

from bench.bot_api import TOKEN, Limits, StubRequest
from bench.report import peak_memory_mb
from bot.kernel.actions import Kind
from bot.kernel.outcome import Button, Screen
from bot.outbox import OutboxWorker, Parcel, parcel_from_payload, screen_payload
from bot.storage import Store, connect
from bot.storage.outbox import OutboxRow, OutboxStore
from conversations.pacing import SendGate
from conversations.transport import TelegramTransport


@dataclass
class DeliveryResult:
    pushes: int
    chats: int
    delivered: int
    duplicates: int
    lost: int
    too_fast: int  # 429 answers the Bot API gave
    too_fast_overall: int  # ... for more than 30 in a second
    too_fast_chat: int  # ... for a second message to a chat within a second
    retry_afters: int  # ... that the worker saw
    seconds: float  # from starting the worker to the last message
    rate: float  # messages a second over that time
    states: dict[str, int]
    peak_mb: float


async def compose(row: OutboxRow) -> Parcel | None:
    return parcel_from_payload(row.payload)


def card(number: int, chat_id: int) -> Screen:
    """A push like a new-offer card: a few lines and two buttons."""
    return Screen(text=f"Neues Angebot {number} für {chat_id}\nWorkshop: Buchhaltung für Vereine\n"
                       "Warum es passt: Sie haben „Buchhaltung und Finanzen“ als „Dringend“ eingestuft.",
                  buttons=[[Button(label="Interessiert", action=f"G:{number}:i", role=Kind.SUGGESTION),
                            Button(label="Nichts für uns", action=f"G:{number}:n", role=Kind.SUGGESTION)]])


async def run(pushes: int, chats: int, seed: int = 20261125, limit_seconds: float = 600.0) -> DeliveryResult:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="msobot-bench-") as tmp:
        store = Store(await connect(Path(tmp) / "outbox.sqlite3"))
        outbox = OutboxStore(store)
        chat_ids = [700_000 + c for c in range(chats)]
        plan = [(chat_ids[n % chats], n) for n in range(pushes)]
        rng.shuffle(plan)
        expected = Counter((chat, card(n, chat).text) for chat, n in plan)
        async with store.transaction():
            for chat in chat_ids:
                await store.set_language(chat, "de")
            for chat, n in plan:
                await outbox.enqueue(chat, chat, "push", screen_payload(card(n, chat)), dedupe_key=f"push:{chat}:{n}")

        limits = Limits()
        request = StubRequest(limits=limits)
        request.record_texts = True
        bot: ExtBot[str] = ExtBot(TOKEN, request=request, get_updates_request=request, rate_limiter=SendGate())
        await bot.initialize()
        worker = OutboxWorker(store, TelegramTransport(bot), compose, rate=None)
        started = time.monotonic()
        task = asyncio.create_task(worker.run(), name="outbox")
        try:
            while len(request.delivered) < pushes and time.monotonic() - started < limit_seconds:  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # polling the stub's count is the simplest clock
            await asyncio.sleep(0.2)  # let the last deliveries be marked sent
        finally:
            await worker.stop()
            await task
            await bot.shutdown()
        states = await outbox.counts()
        await store.close()
    delivered = Counter(request.delivered)
    seconds = (request.last_sent or started) - started
    return DeliveryResult(
        pushes=pushes, chats=chats, delivered=sum(delivered.values()),
        duplicates=sum(n - 1 for n in delivered.values() if n > 1),
        lost=sum((expected - delivered).values()), too_fast=request.too_fast,
        too_fast_overall=limits.overall, too_fast_chat=limits.per_chat, retry_afters=worker.retry_afters,
        seconds=seconds, rate=sum(delivered.values()) / seconds if seconds > 0 else 0.0, states=states,
        peak_mb=peak_memory_mb())
