"""One user sending 100 messages a second is throttled politely and slows nobody else down;
one user's own updates still run in the order they were sent."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from conversations.throttle import Throttle, Verdict
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.crash_stub import TrappingBotAPI
from tests.helpers.phone import Phone, option
from tests.helpers.running import Processed, running_bot

HELP = "/answers — "  # a line of the help text
SLOW_DOWN = ("You are sending a lot of messages at once. Please wait a moment; "
             "after that I will read your messages again.")


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_lets_a_burst_through_warns_once_then_refills() -> None:
    clock = FakeTime()
    throttle = Throttle(burst=10, rate=1.0, clock=clock)
    verdicts = [throttle.admit(7) for _ in range(15)]
    assert verdicts == [Verdict.ADMIT] * 10 + [Verdict.WARN] + [Verdict.DROP] * 4
    assert throttle.admit(8) is Verdict.ADMIT  # another user is not affected
    clock.now += 1.0
    assert throttle.admit(7) is Verdict.ADMIT  # one more per second
    assert throttle.admit(7) is Verdict.DROP  # the same flood: no second notice
    clock.now += 10.0
    assert [throttle.admit(7) for _ in range(11)] == [Verdict.ADMIT] * 10 + [Verdict.WARN]  # a new flood


async def test_a_flooding_user_is_throttled_and_others_are_not_slowed(settings: Settings,
                                                                      bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"throttle_burst": 10, "throttle_rate": 1.0,  # the defaults
                                           "chat_interval": 1.0})
    processed = Processed()
    flooder = Phone(bot_api, user_id=66, language_code="en", processed=processed)
    calm = Phone(bot_api, user_id=77, language_code="de", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await flooder.send("/start")
        await flooder.tap(lambda d: d == "L:en")
        await flooder.tap(lambda d: d == "C:y")
        await asyncio.sleep(3.5)  # the bucket fills up again, as it would for a person
        # Every call about the flooder's chat takes 0.3 s (a slow network, Telegram holding back):
        # handled one after another with everybody else's, 10 admitted messages would hold the
        # bot up for about 6 s.
        bot_api.slow_chats[66] = 0.3
        since = len(bot_api.calls)

        async def flood() -> None:
            for i in range(100):
                await bot_api.send_message(flooder.user, f"Nachricht {i}")
                await asyncio.sleep(0.01)

        flooding = asyncio.create_task(flood())
        await asyncio.sleep(0.2)
        waits: list[float] = []
        for step in ("/start", "L:de", "C:y", "Verein Ruhig e.V."):
            if waits:  # reading the reply, as a person does: one message a second per chat is
                await asyncio.sleep(1.0)  # Telegram's limit (conversations.pacing), not the flood's
            started, before = time.monotonic(), len(bot_api.calls)
            if step == "/start" or step[1:2] != ":":
                await calm.send(step)
            else:
                await calm.tap(lambda d, step=step: d == step)
            # Until the first reply reaches the chat: a second one is paced a second behind it.
            first = next(c for c in bot_api.calls[before:] if str(c.params.get("chat_id")) == "77")
            waits.append(first.at - started)
        await flooding
        await calm.tap(option("communities", "turkish"))
        await bot_api.wait_for(flooder.says(Catalogs().translator("en").gettext(SLOW_DOWN)), since=since)
        await bot_api.until(lambda: _all_handled(bot_api, settings), 60, "every update handled")
        bot_api.slow_chats.clear()
        to_flooder = [c for c in bot_api.calls[since:]
                      if c.method == "sendMessage" and int(c.params["chat_id"]) == 66]

    assert max(waits) < 1.5, f"the calm user waited {waits}"
    notices = [c for c in to_flooder if c.params["text"] == SLOW_DOWN]
    assert len(notices) == 1
    # 100 messages in about 1.5 s: the burst of 10 and about one a second after it are read.
    assert 10 <= len(to_flooder) - len(notices) <= 2 * 14, len(to_flooder)
    with sqlite3.connect(settings.database) as db:
        names = dict(db.execute("SELECT s.user_id, a.value FROM answers a JOIN submissions s "
                                "ON s.id = a.submission_id WHERE a.question_id = 'org_name'").fetchall())
    assert names == {66: '"Nachricht 0"', 77: '"Verein Ruhig e.V."'}  # in order: the first was the answer


def _all_handled(api: StubBotAPI, settings: Settings) -> bool | None:
    """Every update the stub holds taken into the inbox (confirmed) and finished there: the
    admitted ones of a flood take a while, paced at one reply a second in the flooder's chat."""
    if api.confirmed_offset <= api.updates[-1]["update_id"]:
        return None
    with sqlite3.connect(settings.database) as db:
        (waiting,) = db.execute("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL").fetchone()
    return True if waiting == 0 else None


async def test_quick_messages_to_a_slow_chat_are_handled_in_the_order_sent(settings: Settings) -> None:
    """The answer's reply hangs in Telegram; the /help sent right after it waits its turn and is
    answered only after the answer's reply, never in between."""
    api = TrappingBotAPI()
    await api.start()
    try:
        processed = Processed()
        phone = Phone(api, user_id=88, language_code="en", processed=processed)
        async with running_bot(settings, api, processed):
            await phone.send("/start")
            await phone.tap(lambda d: d == "L:en")
            await phone.tap(lambda d: d == "C:y")  # the first question wants the association's name
            since = len(api.calls)
            api.hold({88}, calls=1)  # the first call about this chat hangs
            answer = await api.send_message(phone.user, "Verein Eins")
            await api.until(lambda: True if 88 in api.waiting_at_gate else None, 10, "the reply hanging")
            help_ = await api.send_message(phone.user, "/help")

            def helped() -> bool | None:
                return True if any(HELP in str(c.params.get("text")) for c in api.calls[since:]) else None

            with pytest.raises(TimeoutError):  # what would break the order: /help answered meanwhile
                await api.until(helped, 2.0, "the /help answered while the answer's reply hangs")
            await api.let_go()
            await processed.wait(answer)
            await processed.wait(help_)
        calls = [c for c in api.calls[since:] if c.method in ("sendMessage", "editMessageText")
                 and int(c.params["chat_id"]) == 88]
        helps = [i for i, c in enumerate(calls) if HELP in str(c.params.get("text"))]
        assert len(helps) == 1 and helps[0] == len(calls) - 1, [str(c.params.get("text"))[:30] for c in calls]
        assert len(calls) >= 3  # the answered question, the next question, then the help
    finally:
        await api.stop()
