"""One gate for everything the bot sends: replies, edits and the outbox's pushes together stay
within Telegram's limits (the stub answers 429 like Telegram), and replies go first."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter

import pytest
from telegram.error import RetryAfter

from bot.kernel.outcome import Screen
from bot.kernel.settings import Settings
from bot.outbox import screen_payload
from bot.services import Services
from bot.storage.outbox import OutboxStore
from conversations.pacing import BULK, Limits, SendGate
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, running_bot

PUSHES = 360  # about twelve seconds of Telegram's 30 a second
USERS = [501, 502, 503, 504]
STEPS = ("/start", "L:de", "C:y", "Verein Zusammen e.V.")
READING = 1.1  # seconds a person takes before the next step


async def _queue_pushes(services: Services) -> None:
    """A broadcast's worth: one push to each answering user, the rest to other associations."""
    outbox = OutboxStore(services.store)
    async with services.store.transaction():
        for n in range(PUSHES):
            chat = USERS[n] if n < len(USERS) else 900_000 + n
            await outbox.enqueue(chat, None, "push", screen_payload(Screen(text=f"Neues Angebot {n}")),
                                 dedupe_key=f"push:{n}")


async def _answer(phone: Phone, api: StubBotAPI) -> list[float]:
    """The user's steps, as a person makes them; for each, how long until the bot's first
    message or edit in the chat."""
    waits = []
    for step in STEPS:
        await asyncio.sleep(READING)
        since, started = len(api.calls), time.monotonic()
        if step.startswith("/") or step[1:2] != ":":
            await phone.send(step)
        else:
            await phone.tap(lambda d, step=step: d == step)
        first = await api.wait_for(lambda c: (c.method.startswith(("send", "edit")) and not _push(c)
                                              and int(c.params.get("chat_id", 0)) == phone.user_id), since=since)
        waits.append(first.at - started)
    return waits


def _push(call: object) -> bool:
    return "Neues Angebot" in str(getattr(call, "params", {}).get("text", ""))


async def test_replies_and_pushes_together_stay_within_the_limits_and_replies_go_first(
        settings: Settings, bot_api: StubBotAPI) -> None:
    bot_api.enforce_limits = True
    settings = settings.model_copy(update={"chat_interval": 1.0})  # the default: Telegram's
    processed = Processed()
    phones = [Phone(bot_api, user_id=u, language_code="de", processed=processed) for u in USERS]
    async with running_bot(settings, bot_api, processed) as application:
        services: Services = application.bot_data["services"]
        await _queue_pushes(services)
        application.bot_data["outbox"].wake()
        waits = await asyncio.gather(*(_answer(phone, bot_api) for phone in phones))
        counts = await OutboxStore(services.store).counts()
        assert counts.get("pending", 0) + counts.get("sending", 0) > 0, "the pushes drained before the users finished"
        await bot_api.until(lambda: True if sum(map(_push, bot_api.calls)) >= PUSHES else None, 30,
                            "every push")
        await application.bot_data["outbox"].drain(limit_seconds=10)

    assert bot_api.too_fast == 0, "Telegram answered 429"
    texts = Counter((m.chat_id, m.text) for m in bot_api.messages.values() if m.from_bot)
    assert [t for t, n in texts.items() if n > 1] == []  # every reply and push arrived once
    pushed = {int(text.rsplit(" ", 1)[1]) for (_chat, text) in texts if text.startswith("Neues Angebot")}
    assert pushed == set(range(PUSHES))
    for phone in phones:
        assert len(phone.bot_messages()) == 6  # language, notice, 2 after consent, next question, push
    flat = [w for user in waits for w in user]
    # Behind the queue, a reply would wait for the 16 pushes the worker has in the gate (~0.5 s).
    assert statistics.median(flat) < 0.25, f"replies waited {flat}"
    assert max(flat) < 1.5, f"replies waited {flat}"  # at most the chat's own second, after its push


async def test_a_429_holds_every_message_for_the_pause() -> None:
    """Telegram's "retry after" stops everyone's messages, replies too, not only the refused one;
    the refusal goes to the caller, who sends the message again."""
    gate = SendGate(Limits())
    refused = True

    async def send(**_kwargs: object) -> bool:
        nonlocal refused
        if refused:
            refused = False
            raise RetryAfter(0.4)
        return True

    started = asyncio.get_running_loop().time()
    with pytest.raises(RetryAfter):
        await gate.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, BULK)
    await gate.process_request(send, (), {}, "sendMessage", {"chat_id": 2}, None)
    assert asyncio.get_running_loop().time() - started >= 0.4
    # a tap answer is not a message: it never waits
    await gate.process_request(send, (), {}, "answerCallbackQuery", {}, None)
