"""One bot per database: a second `msobot run` stops at once, and the commands that queue
messages leave them to the running bot, or send only their own when none runs."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

from bot.kernel.outcome import Screen
from bot.kernel.settings import Settings
from bot.operations.lease import running_bot
from bot.outbox import screen_payload
from bot.storage import Store, connect
from bot.storage.outbox import OutboxStore
from conversations.app import build_application
from conversations.receiving import Poller
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.bot_process import CONTROLLER, BotProcess
from tests.helpers.running import bot_settings

STAFF_ID = 501
PUSH = "a push the running bot sends"


def environment(api: StubBotAPI, database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_DATABASE=str(database), MSOBOT_TELEGRAM_TOKEN=api.token,
               MSOBOT_TELEGRAM_API_URL=api.url, **CONTROLLER, **extra)
    return env


async def msobot(env: dict[str, str], *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(stdin), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def queue_push(database: Path, chat_id: int, text: str) -> None:
    store = Store(await connect(database))
    try:
        async with store.transaction():
            await store.set_language(chat_id, "de")
            await OutboxStore(store).enqueue(chat_id, chat_id, "push", screen_payload(Screen(text=text)))
    finally:
        await store.close()


async def test_a_second_bot_on_the_same_database_stops_at_once(bot_api: StubBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    first = BotProcess(bot_api, database, tmp_path / "first.log")
    try:
        await first.start()
        since = len(bot_api.calls)
        code, _out, err = await msobot(environment(bot_api, database), "run")
        lines = [line for line in err.splitlines() if line.strip() and " INFO " not in line]
        assert code == 1 and len(lines) == 1, err
        assert lines[0].startswith("msobot: another bot runs on this database: msobot run on ")
        assert f", pid {first.pid}) since " in lines[0] and lines[0].endswith("; not started.")
        assert not any(c.method == "getMe" for c in bot_api.calls[since:])  # it never talked to Telegram
        # ... and the first one goes on: a message still gets its answer.
        await bot_api.send_message(bot_api.user(31, "de"), "/start")
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 31)
    finally:
        await first.stop()


async def test_digest_send_leaves_delivery_to_the_running_bot(bot_api: StubBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    bot = BotProcess(bot_api, database, tmp_path / "bot.log", extra_env={"MSOBOT_STAFF_IDS": str(STAFF_ID)})
    try:
        await bot.start()
        code, _out, err = await msobot(environment(bot_api, database, MSOBOT_STAFF_IDS=str(STAFF_ID)),
                                       "digest", "--send")
        assert code == 0 and "the running bot delivers it" in err, err
        # The bot sends it: after the weekly catch-up's chart, the one asked for.
        await bot_api.until(lambda: True if len([c for c in bot_api.calls if c.method == "sendPhoto"]) >= 2
                            else None, 20, "two digest charts")
    finally:
        await bot.stop()
    texts = Counter(int(c.params["chat_id"]) for c in bot_api.calls if c.method == "sendPhoto")
    assert texts == Counter({STAFF_ID: 2})  # the weekly catch-up and the one asked for, each once


async def test_digest_send_without_a_bot_sends_only_the_digest(bot_api: StubBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    await queue_push(database, 77, "a push for an association, the bot's to send")
    code, _out, err = await msobot(environment(bot_api, database, MSOBOT_STAFF_IDS=str(STAFF_ID)), "digest", "--send")
    assert code == 0 and "digest sent to 1 chat(s)" in err, err
    assert {int(c.params["chat_id"]) for c in bot_api.calls if c.method in ("sendMessage", "sendPhoto")} == {STAFF_ID}
    store = Store(await connect(database))
    try:
        assert await OutboxStore(store).counts() == {"pending": 1, "sent": 2}  # the push still waits
        assert await running_bot(store) is None  # the lease it held is given back
    finally:
        await store.close()


async def test_the_console_chat_delivers_only_its_own_users_messages(bot_api: StubBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    await queue_push(database, 77, "an introduction for another association")
    await queue_push(database, 1, "a push for the console's own user")
    env = environment(bot_api, database)
    del env["MSOBOT_TELEGRAM_TOKEN"]
    code, out, err = await msobot(env, "chat", "--language", "de", stdin=b"/quit\n")
    assert code == 0, err
    assert "a push for the console's own user" in out and "another association" not in out
    store = Store(await connect(database))
    try:
        states = {r["chat_id"]: r["state"] for r in await store.fetch_all("SELECT chat_id, state FROM outbox")}
        assert states == {77: "pending", 1: "sent"}  # the other chat's message is untouched
    finally:
        await store.close()


async def test_the_console_leaves_pushes_to_a_running_bot(bot_api: StubBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    bot = BotProcess(bot_api, database, tmp_path / "bot.log")
    try:
        await bot.start()
        env = environment(bot_api, database)
        del env["MSOBOT_TELEGRAM_TOKEN"]
        await queue_push(database, 1, PUSH)
        code, out, err = await msobot(env, "chat", "--language", "de", stdin=b"/quit\n")
        assert code == 0, err
        assert PUSH not in out
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == PUSH)
    finally:
        await bot.stop()
    assert len([c for c in bot_api.calls if c.params.get("text") == PUSH]) == 1


async def test_a_bot_telegram_calls_a_duplicate_stops_with_the_reason(settings: Settings, bot_api: StubBotAPI) -> None:
    """409 Conflict: another program takes this token's updates (a bot on another database, or a
    webhook). After a while of nothing but conflicts the bot gives up instead of looping."""
    conflict = (409, {"ok": False, "error_code": 409,
                      "description": "Conflict: terminated by other getUpdates request"})
    bot_api.faults["getUpdates"] = [conflict] * 50
    application = build_application(bot_settings(settings, bot_api))
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    reasons: list[str] = []
    poller: Poller | None = None
    try:
        await application.post_init(application)
        poller = Poller(application, application.bot_data["inbox"], on_fatal=reasons.append, timeout=1,
                        conflict_limit=0.3)
        await poller.start()
        await bot_api.until(lambda: True if reasons else None, 10, "the poller giving up")
    finally:
        if poller is not None:
            await poller.stop()
        await application.post_shutdown(application)
        await application.shutdown()
    assert reasons == ["another program receives this bot's updates (409 Conflict: a second instance on "
                       "another database, or a webhook); stopping"]
