"""Meets the real Telegram (issue 23): the stub Bot API refuses what Telegram refuses, and the
bot starts, shows each person a menu in their language and copes with every refusal.

The stub's checks come from the Bot API's machine-readable description
(`tests/helpers/bot_api/spec.json`) and Telegram's stated limits
(`tests/helpers/bot_api/limits.py`); the first tests call it through python-telegram-bot's own
`Bot`, exactly as the bot does.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.kernel.actions import Kind
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Button, Outcome, Screen
from bot.kernel.settings import Settings
from conversations import menus
from conversations.delivery import deliver
from tests.helpers.bot_api import checks
from tests.helpers.bot_api.limits import units
from tests.helpers.bot_api_stub import QUERY_WINDOW, StubBotAPI
from tests.helpers.bot_process import BotProcess
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, running_bot

CATALOGS = Catalogs()
CHAT = 4242


@pytest.fixture
async def bot(bot_api: StubBotAPI) -> AsyncIterator[Bot]:
    client = Bot(bot_api.token, base_url=bot_api.url)
    await client.initialize()
    yield client
    await client.shutdown()


def menu_texts(commands: list[dict[str, str]] | None) -> list[str]:
    return [c["description"] for c in commands or []]


def expected_menu(language: str) -> list[str]:
    t = CATALOGS.translator(language)
    return [t.gettext(text) for _name, text in menus.USER_MENU]


# -- the stub refuses what Telegram refuses ------------------------------------------------------

async def test_the_stub_refuses_a_menu_for_a_language_telegram_has_no_code_for(bot: Bot, bot_api: StubBotAPI) -> None:
    commands = [BotCommand("start", "Dest pê bike")]
    with pytest.raises(BadRequest, match=r"(?i)invalid language code"):
        await bot.set_my_commands(commands, language_code="ckb")
    assert await bot.set_my_commands(commands, language_code="ku")
    with pytest.raises(BadRequest, match=r"(?i)invalid language code"):
        await bot.set_my_description("x", language_code="zh-hans")
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Start", "capital letters")])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand(f"c{i}", "x") for i in range(101)])
    with pytest.raises(BadRequest):
        await bot.set_my_description("x" * 513)
    with pytest.raises(BadRequest):
        await bot.set_my_short_description("x" * 121)
    assert await bot.set_my_short_description("🙂" * 60)  # 120 units
    with pytest.raises(BadRequest):
        await bot.set_my_short_description("🙂" * 61)


async def test_the_stub_refuses_65_bytes_of_callback_data(bot: Bot, bot_api: StubBotAPI) -> None:
    def markup(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data=data)]])

    await bot.send_message(CHAT, "64 bytes", reply_markup=markup("ü" * 32))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "65 bytes", reply_markup=markup("ü" * 32 + "a"))
    with pytest.raises(BadRequest, match=r"(?i)button_text_empty"):
        await bot.send_message(CHAT, "no label", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(" ", callback_data="x")]]))


async def test_the_stub_counts_utf16_units(bot: Bot) -> None:
    await bot.send_message(CHAT, "🙂" * 2048)  # 4,096 units
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, "🙂" * 2048 + "a")  # 4,097 units in 2,049 characters
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(CHAT, " ")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(CHAT, b"data", filename="x.txt", caption="🙂" * 513)


async def test_the_stub_refuses_an_unchanged_edit_and_a_missing_message(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Frage")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Frage", CHAT, sent.message_id)
    await bot.edit_message_text("Frage 2", CHAT, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Frage 3", CHAT, sent.message_id + 100)


async def test_the_stub_refuses_a_tap_answered_too_late(bot: Bot, bot_api: StubBotAPI) -> None:
    user = bot_api.user(CHAT)
    message = bot_api.chat(CHAT)[-1] if bot_api.chat(CHAT) else None
    if message is None:
        await bot.send_message(CHAT, "Frage", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Ja", callback_data="y")]]))
        message = bot_api.chat(CHAT)[-1]
    await bot_api.tap(user, message, "y")
    await bot_api.tap(user, message, "y")
    fresh, old = (str(u["callback_query"]["id"]) for u in bot_api.updates[-2:])
    assert await bot.answer_callback_query(fresh)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(fresh)  # answered already
    bot_api.advance(QUERY_WINDOW + 0.5)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(old)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")  # raw calls on purpose
async def test_the_stub_refuses_wrong_types_missing_parameters_and_blocked_users(
        bot: Bot, bot_api: StubBotAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.do_api_request("sendMessage", api_kwargs={"chat_id": CHAT})
    with pytest.raises(BadRequest, match=r"(?i)can't parse message_id"):
        await bot.do_api_request("editMessageText", api_kwargs={"chat_id": CHAT, "message_id": "seven",
                                                                "text": "x"})
    with pytest.raises(BadRequest, match=r"(?i)unsupported BotCommandScope"):
        await bot.do_api_request("setMyCommands", api_kwargs={
            "commands": [{"command": "start", "description": "x"}], "scope": {"type": "chats", "chat_id": 1}})
    with pytest.raises(BadRequest):
        await bot.do_api_request("setMyCommands", api_kwargs={"commands": [{"command": "start"}]})
    bot_api.blocked.add(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(CHAT, "Hallo")
    bot_api.blocked.clear()
    with pytest.raises(TelegramError):
        await bot.do_api_request("sendDice", api_kwargs={"chat_id": CHAT})
    assert bot_api.unknown == ["sendDice"]  # the fixture fails any test that leaves one here
    bot_api.unknown.clear()


def test_the_description_is_a_bot_api_version() -> None:
    assert checks.version().startswith("Bot API ")
    for method in ("sendMessage", "setMyCommands", "answerCallbackQuery", "editMessageText", "setMyDescription"):
        assert checks.known(method)


# -- the bot starts, with fifteen languages --------------------------------------------------

async def test_msobot_run_starts_with_every_language_against_the_strict_stub(
        tmp_path: Path, bot_api: StubBotAPI) -> None:
    assert "ckb" in CATALOGS.languages and len(CATALOGS.languages) >= 15
    bot = BotProcess(bot_api, tmp_path / "msobot.sqlite3", tmp_path / "bot.log",
                     extra_env={"MSOBOT_STAFF_IDS": "7001"})
    try:
        await bot.start()
        two_letter = [c for c in CATALOGS.languages if len(c) == 2]
        await bot_api.until(lambda: True if len(bot_api.descriptions) >= 2 * (len(two_letter) + 1) else None,
                            10, "the descriptions in every language")
        await bot_api.until(lambda: True if ("chat", 7001, "") in bot_api.menus else None, 10, "the staff menu")
    finally:
        await bot.stop()
    assert not bot_api.refused, bot_api.refused
    for code in two_letter:
        assert menu_texts(bot_api.menus[("default", None, code)]) == expected_menu(code), code
        t = CATALOGS.translator(code)
        assert bot_api.descriptions[("description", code)] == t.gettext(menus.DESCRIPTION)
        assert bot_api.descriptions[("short", code)] == t.gettext(menus.SHORT_DESCRIPTION)
    assert ("default", None, "ckb") not in bot_api.menus
    assert menu_texts(bot_api.menus[("default", None, "")]) == expected_menu(CATALOGS.default)
    staff = [c["command"] for c in bot_api.menus[("chat", 7001, "")]]
    assert staff[0] == "digest" and "start" in staff
    assert "Traceback" not in bot.log.read_text()


async def test_a_refused_housekeeping_call_is_logged_and_retried_never_fatal(
        settings: Settings, bot_api: StubBotAPI, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(menus, "RETRY_SECONDS", 0.3)
    refused = {"ok": False, "error_code": 400, "description": "Bad Request: invalid language code specified"}
    bot_api.faults["setMyCommands"] = [(400, refused)]
    bot_api.faults["setMyDescription"] = [(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})]
    processed = Processed()
    phone = Phone(bot_api, 5301, "tr", processed)
    with caplog.at_level(logging.WARNING, logger="conversations.menus"):
        async with running_bot(settings, bot_api, processed):
            await phone.send("/start", expect=phone.sends_prompt())  # the bot runs and answers
            everyone = [c for c in CATALOGS.languages if len(c) == 2]
            await bot_api.until(lambda: True if all(("default", None, c) in bot_api.menus
                                                    and ("description", c) in bot_api.descriptions
                                                    for c in everyone) else None,
                                10, "the refused menu and description set on a retry")
    warnings = [r.getMessage() for r in caplog.records if "could not set" in r.getMessage()]
    assert len(warnings) == 2, warnings  # one line each, not one per attempt
    assert any("invalid language code" in w.lower() for w in warnings)
    assert not bot_api.faults["setMyCommands"]


# -- each person's menu in the language they chose --------------------------------------------

async def test_the_menu_follows_the_language_the_user_chose(settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, 5302, "de", processed)  # a German phone, a Sorani reader
    async with running_bot(settings, bot_api, processed):
        await phone.send("/start", expect=phone.sends_prompt())
        await phone.tap(lambda d: d == "L:ckb", expect=phone.sends_prompt())
        await bot_api.until(lambda: True if ("chat", phone.user_id, "") in bot_api.menus else None,
                            10, "the chat's own menu")
        assert menu_texts(bot_api.menu(phone.user_id, "de")) == expected_menu("ckb")
        assert menu_texts(bot_api.menu(None, "de")) == expected_menu("de")  # others keep theirs
        await phone.send("/language", expect=phone.sends_prompt())
        await phone.tap(lambda d: d == "L:tr", expect=phone.sends_prompt())
        await bot_api.until(lambda: True if menu_texts(bot_api.menu(phone.user_id, "de")) == expected_menu("tr")
                            else None, 10, "the menu in the new language")
    assert not bot_api.refused, bot_api.refused


# -- the bot copes with each refusal -----------------------------------------------------------

async def test_a_double_tap_meets_an_unchanged_edit_and_the_conversation_goes_on(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, 5303, "de", processed)
    async with running_bot(settings, bot_api, processed):
        await phone.send("/start", expect=phone.sends_prompt())
        picker = phone.prompt()
        await phone.tap(lambda d: d == "L:de", message=picker, expect=phone.sends_prompt())
        before = len(phone.bot_messages())
        await phone.press("L:de", message=picker)  # the same button again, on the same message
    edits = [r for r in bot_api.refused if r[0].startswith("editMessage")]
    assert edits and all("not modified" in r[2] for r in edits)
    texts = [m.text for m in phone.bot_messages()[before:]]
    assert texts and not any("Sorry" in t or "Entschuldigung" in t for t in texts)
    assert bot_api.chat(phone.user_id)[-1].reply_markup  # the consent question is there to answer


async def test_a_tap_replayed_after_a_restart_is_done_once_though_its_answer_comes_too_late(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, 5304, "de", processed)
    _ = CATALOGS.translator("de").gettext
    async with running_bot(settings, bot_api, processed):
        await phone.send("/start", expect=phone.sends_prompt())
        await phone.tap(lambda d: d == "L:de", expect=phone.sends_prompt())
        consent = phone.prompt()
    # The bot is down; the user taps "agree"; the restart takes longer than Telegram waits.
    await bot_api.tap(phone.user, consent, "C:y")
    bot_api.advance(3 * QUERY_WINDOW)
    since = len(bot_api.calls)
    processed = Processed()
    async with running_bot(settings, bot_api, processed):
        await bot_api.wait_for(phone.says(_("What is the name of your association?")), since=since)
        await processed.wait(bot_api.updates[-1]["update_id"])
    late = [r for r in bot_api.refused if r[0] == "answerCallbackQuery"]
    assert late and "too old" in late[0][2]
    asked = [c for c in bot_api.calls[since:] if phone.says(_("What is the name of your association?"))(c)]
    assert len(asked) == 1
    with sqlite3.connect(settings.database) as db:
        agreed = db.execute("SELECT count(*) FROM events WHERE kind = 'consent_given'").fetchone()[0]
    assert agreed == 1
    assert not any("Entschuldigung" in m.text for m in phone.bot_messages())


async def test_a_text_over_4096_units_and_a_button_over_64_bytes_still_reach_the_user(
        bot: Bot, bot_api: StubBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    long = "\n".join(["🙂 Çok güzel bir dernek, ağ kurmak istiyoruz."] * 120)  # 5,640 units, 5,520 characters
    assert units(long) > 4096 >= len(long) - 1500
    screen = Screen(text=long, buttons=[[Button(label="Ja", action="A:1:q:yes", role=Kind.ANSWER),
                                         Button(label="Nein", action="A:1:q:" + "n" * 62, role=Kind.ANSWER)]])
    with caplog.at_level(logging.ERROR):
        await deliver(cast(Any, bot), CHAT, CHAT, Outcome(messages=[screen]), cast(Any, None))
    sent = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert len(sent) == 2 and not bot_api.refused
    assert "".join(str(c.params["text"]) for c in sent).replace("\n", "") == long.replace("\n", "")
    buttons = sent[-1].params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in buttons] == [["Ja"]]
    assert any("left out" in r.getMessage() for r in caplog.records)


async def test_a_chat_menu_refused_for_one_person_does_not_stop_their_reply(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, 5305, "de", processed)
    async with running_bot(settings, bot_api, processed) as application:
        await phone.send("/start", expect=phone.sends_prompt())
        bot_api.faults["setMyCommands"] = [(429, {"ok": False, "error_code": 429, "description":
                                                  "Too Many Requests: retry after 30",
                                                  "parameters": {"retry_after": 30}})]
        await phone.tap(lambda d: d == "L:uk", expect=phone.sends_prompt())
        keeper: menus.Housekeeping = application.bot_data["housekeeping"]
        assert f"the command menu of chat {phone.user_id}" in keeper.pending
        await keeper.retry()
        assert menu_texts(bot_api.menu(phone.user_id)) == expected_menu("uk")
        assert not keeper.pending
