"""Telegram failing while a board member answers, and while pushes go out: timeouts, 5xx, 429
and "bot was blocked by the user". Every answer is saved regardless, nothing is lost, nothing
arrives twice, and the user can carry on.

The real Application long-polls the stub Bot API over HTTP; the stub is told to fail the next
call of a method, or to carry a call out but answer it only after the bot's read timeout (a
timeout for a message that did arrive). "Twice" is counted in what the stub's chats show and in
the calls the bot made.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.outbox import OutboxWorker
from bot.storage.outbox import OutboxStore
from conversations.transport import TelegramTransport
from tests.helpers.bot_api_stub import StoredMessage, StubBotAPI
from tests.helpers.phone import Phone, option, role
from tests.helpers.running import Processed, running_bot
from tests.test_outbox import compose, delivered, fill, open_store

_ = Catalogs().translator("en").gettext
READ_TIMEOUT = 1.0  # the bot's patience in these tests (python-telegram-bot's default is 5 s)
LATE = 2.0  # how late the stub answers a call it has carried out
USER = 5150

Q_NAME = _("What is the name of your association?")
Q_COMMUNITIES = _("Which communities does your association serve?")
Q_DISTRICT = _("In which city district is your association based?")
Q_MEMBERS = _("How many members does your association have?")
SORRY = _("Sorry, something went wrong. Your answers are safe; please try again.")


def error(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


TOO_MANY = error(429, "Too Many Requests: retry after 1", retry_after=1)
BLOCKED = error(403, "Forbidden: bot was blocked by the user")
SERVER_ERRORS = {"500": error(500, "Internal Server Error"), "502": error(502, "Bad Gateway")}


def quick_request() -> HTTPXRequest:
    return HTTPXRequest(connection_pool_size=16, read_timeout=READ_TIMEOUT)


@pytest.fixture
async def phone(settings: Settings, bot_api: StubBotAPI) -> AsyncIterator[Phone]:
    """A user who has agreed and sees the first question; the bot waits READ_TIMEOUT for answers."""
    processed = Processed()
    phone = Phone(bot_api, user_id=USER, language_code="en", processed=processed)
    async with running_bot(settings, bot_api, processed, request=quick_request()):
        await phone.send("/start")
        await phone.tap(lambda d: d == "L:en")
        await phone.tap(lambda d: d == "C:y")
        assert Q_NAME in phone.last().text
        yield phone


def shown(phone: Phone, fragment: str) -> list[StoredMessage]:
    """The bot's messages in the user's chat that contain this text."""
    return [m for m in phone.bot_messages() if fragment in m.text]


def attempts(api: StubBotAPI, method: str, fragment: str = "") -> int:
    return len([c for c in api.calls if c.method == method and fragment in str(c.params.get("text", ""))])


def answers(settings: Settings) -> dict[str, Any]:
    with sqlite3.connect(settings.database) as db:
        return {q: json.loads(v) for q, v in db.execute("SELECT question_id, value FROM answers")}


def blocked(settings: Settings) -> bool:
    with sqlite3.connect(settings.database) as db:
        row = db.execute("SELECT blocked_at FROM users WHERE id = ?", (USER,)).fetchone()
    return row is not None and row[0] is not None


# -- 429: wait, then the same message again --------------------------------------------------------

async def test_a_429_on_a_reply_is_waited_out_and_each_message_arrives_once(
        phone: Phone, bot_api: StubBotAPI, settings: Settings) -> None:
    bot_api.faults["sendMessage"] = [TOO_MANY]
    await phone.send("Kulturverein Vohwinkel")
    assert len(shown(phone, Q_COMMUNITIES)) == 1
    assert attempts(bot_api, "sendMessage", Q_COMMUNITIES) == 2  # refused once, then sent again
    tries = [c for c in bot_api.calls if c.method == "sendMessage" and Q_COMMUNITIES in c.params["text"]]
    assert tries[1].at - tries[0].at >= 0.9  # after the pause Telegram asked for

    bot_api.faults["editMessageText"] = [TOO_MANY]
    await phone.tap(option("communities", "turkish"))
    assert "☑" in phone.button_label(phone.prompt(), option("communities", "turkish"))
    bot_api.faults["answerCallbackQuery"] = [TOO_MANY]
    await phone.tap(role("D"))
    assert len(shown(phone, Q_DISTRICT)) == 1
    assert answers(settings) == {"org_name": "Kulturverein Vohwinkel", "communities": ["turkish"]}
    taps = [u["callback_query"]["id"] for u in bot_api.updates if "callback_query" in u]
    answered = Counter(str(c.params["callback_query_id"]) for c in bot_api.calls
                       if c.method == "answerCallbackQuery")
    assert answered[taps[-1]] == 2  # the 429, then the answer
    assert not any(bot_api.faults.values())
    assert not shown(phone, SORRY)


# -- 5xx: nothing repeated; the user carries on ---------------------------------------------------

@pytest.mark.parametrize("status", SERVER_ERRORS)
async def test_a_5xx_on_the_next_question_loses_no_answer_and_the_user_carries_on(
        status: str, phone: Phone, bot_api: StubBotAPI, settings: Settings) -> None:
    bot_api.faults["sendMessage"] = [SERVER_ERRORS[status]]
    await phone.send("Kulturverein Vohwinkel")
    assert answers(settings) == {"org_name": "Kulturverein Vohwinkel"}  # saved before the reply
    assert not shown(phone, Q_COMMUNITIES)  # Telegram lost it; the bot did not send it again
    assert attempts(bot_api, "sendMessage", Q_COMMUNITIES) == 1
    assert len(shown(phone, SORRY)) == 1

    new = await phone.send("hallo?")  # the user wonders: the question comes again, once
    assert next(m.text for m in new) == _("Please answer with the buttons below the question.")
    assert len(shown(phone, Q_COMMUNITIES)) == 1
    await phone.tap(option("communities", "arabic"))
    await phone.tap(role("D"))
    assert len(shown(phone, Q_DISTRICT)) == 1
    assert answers(settings) == {"org_name": "Kulturverein Vohwinkel", "communities": ["arabic"]}
    assert len(shown(phone, SORRY)) == 1


async def test_after_a_lost_question_start_shows_it_again(
        phone: Phone, bot_api: StubBotAPI, settings: Settings) -> None:
    await phone.send("Kulturverein Vohwinkel")
    await phone.tap(option("communities", "polish"))
    bot_api.faults["sendMessage"] = [SERVER_ERRORS["502"]]
    await phone.tap(role("D"))
    assert not shown(phone, Q_DISTRICT)
    await phone.send("/start")
    assert len(shown(phone, Q_DISTRICT)) == 1
    assert Q_DISTRICT in phone.prompt().text
    await phone.tap(option("district", "barmen"))
    assert len(shown(phone, Q_MEMBERS)) == 1
    assert answers(settings)["district"] == "barmen"


FLAKY_EXTRAS = {
    "edit 502": ("editMessageText", SERVER_ERRORS["502"]),
    "edit 500": ("editMessageText", SERVER_ERRORS["500"]),
    "tap answer 500": ("answerCallbackQuery", SERVER_ERRORS["500"]),
    "edit timeout": ("editMessageText", None),
    "tap answer timeout": ("answerCallbackQuery", None),
}


@pytest.mark.parametrize("case", FLAKY_EXTRAS)
async def test_a_failed_tap_answer_or_edit_does_not_hold_up_the_next_question(
        case: str, phone: Phone, bot_api: StubBotAPI, settings: Settings) -> None:
    await phone.send("Kulturverein Vohwinkel")
    await phone.tap(option("communities", "kurdish"))
    await phone.tap(role("D"))
    method, fault = FLAKY_EXTRAS[case]
    if fault is None:
        bot_api.late_answers[method] = [LATE]  # carried out, answered after the bot gave up
    else:
        bot_api.faults[method] = [fault]
    district = phone.prompt()
    await phone.tap(option("district", "barmen"))
    assert len(shown(phone, Q_MEMBERS)) == 1
    assert attempts(bot_api, "sendMessage", Q_MEMBERS) == 1
    assert answers(settings)["district"] == "barmen"
    assert not shown(phone, SORRY)
    if fault is not None and method == "editMessageText":  # the old question keeps its buttons ...
        assert bot_api.messages[(USER, district.message_id)].reply_markup
        await phone.tap(option("district", "ronsdorf"), message=district)  # ... and still works
        assert answers(settings)["district"] == "ronsdorf"


# -- timeouts: the message most likely arrived, so it is never sent again --------------------------

async def test_a_timeout_on_the_next_question_sends_nothing_twice(
        phone: Phone, bot_api: StubBotAPI, settings: Settings) -> None:
    bot_api.late_answers["sendMessage"] = [LATE]
    await phone.send("Kulturverein Vohwinkel")
    assert len(shown(phone, Q_COMMUNITIES)) == 1  # it arrived; the bot never heard so
    assert attempts(bot_api, "sendMessage", Q_COMMUNITIES) == 1
    assert not shown(phone, SORRY)  # no apology for a message that is there
    await phone.tap(option("communities", "ukrainian"))  # the user carries on with it
    await phone.tap(role("D"))
    assert len(shown(phone, Q_DISTRICT)) == 1
    assert answers(settings) == {"org_name": "Kulturverein Vohwinkel", "communities": ["ukrainian"]}


# -- blocked: marked, and nothing more to them ---------------------------------------------------------

async def test_a_user_who_blocked_the_bot_is_marked_and_gets_no_apology(
        phone: Phone, bot_api: StubBotAPI, settings: Settings) -> None:
    await phone.send("Kulturverein Vohwinkel")
    await phone.tap(option("communities", "balkan"))
    bot_api.faults["sendMessage"] = [BLOCKED]
    since = len(bot_api.calls)
    await phone.tap(role("D"))
    assert answers(settings)["communities"] == ["balkan"]
    assert blocked(settings)
    after = [c.method for c in bot_api.calls[since:]]
    assert after.count("sendMessage") == 1  # the refused question; no apology after it
    assert after.count("answerCallbackQuery") == 1  # the tap was answered once, before
    assert not shown(phone, SORRY)

    await phone.send("/start")  # unblocked and writing again: the question they missed
    assert not blocked(settings)
    assert len(shown(phone, Q_DISTRICT)) == 1


# -- pushes: the outbox through timeouts and 5xx ---------------------------------------------------------

async def test_pushes_arrive_once_through_timeouts_and_server_errors(bot_api: StubBotAPI, tmp_path: Path) -> None:
    """test_outbox covers 429, cut connections, restarts and blocked users; here Telegram
    answers 500 and 502 (nothing delivered: sent again after a backoff) and carries out sends
    whose answer comes after the bot's read timeout (delivered: never sent again)."""
    store = await open_store(tmp_path / "outbox.sqlite3")
    expected = await fill(store, range(600, 606), per_chat=2)
    bot_api.faults["sendMessage"] = [SERVER_ERRORS["500"], SERVER_ERRORS["502"]]
    bot_api.late_answers["sendMessage"] = [LATE, LATE, LATE]
    bot: ExtBot[None] = ExtBot(bot_api.token, base_url=bot_api.url, request=quick_request())
    await bot.initialize()
    worker = OutboxWorker(store, TelegramTransport(bot), compose)
    try:
        await worker.drain(limit_seconds=60, horizon=60)
    finally:
        await bot.shutdown()
    try:
        assert delivered(bot_api) == Counter(expected)  # each exactly once
        assert not bot_api.faults["sendMessage"] and not bot_api.late_answers["sendMessage"]
        assert attempts(bot_api, "sendMessage") == len(expected) + 2  # only the two 5xx were sent again
        assert await OutboxStore(store).counts() == {"sent": len(expected)}
    finally:
        await store.close()
