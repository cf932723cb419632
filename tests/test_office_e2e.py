"""The office's desk over the real Application and the stub Bot API (issue 28): staff get a
/start and /help of their own and the questionnaire only when they choose to try it; /office
gives the sign-in link; a message written on the web view reaches the association in Telegram,
and its reply comes back to the page and to staff."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from bot.kernel.settings import Settings
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.office import csrf_of, free_port, web_beside
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, digest_delivered, running_bot
from tests.test_suggestions_e2e import NEEDY, complete

STAFF_ID = 501


def staff_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": "", "web_port": free_port()})


async def test_staff_start_and_help_are_their_own_and_the_questionnaire_only_by_choice(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    staff = Phone(bot_api, STAFF_ID, "de", processed)
    async with running_bot(staff_settings(settings), bot_api, processed):
        await digest_delivered(settings)
        await staff.send("/start")
        welcome = staff.last()
        assert "/office" in welcome.text and "/digest" in welcome.text
        assert [b["callback_data"] for b in welcome.buttons()] == ["Z:try:go"]  # no language picker
        await staff.send("/help")
        assert "/office" in staff.last().text
        await staff.tap(lambda d: d == "Z:try:go")  # chosen: the questionnaire as an association sees it
        assert any(b["callback_data"].startswith("L:") for b in staff.last().buttons())


async def test_a_message_from_the_web_view_reaches_the_association_and_its_reply_comes_back(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings = staff_settings(settings)
    processed = Processed()
    staff = Phone(bot_api, STAFF_ID, "de", processed)
    association = Phone(bot_api, 6001, "tr", processed)
    async with running_bot(settings, bot_api, processed) as application, web_beside(application, settings) as web, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await digest_delivered(settings)
        await complete(association, "tr", "Anadolu Kültür Derneği", NEEDY)
        await staff.send("/office")
        link = re.search(r"http://\S+/signin/\S+", staff.last().text)
        assert link is not None and link.group(0).startswith(f"http://127.0.0.1:{web.port}/")
        async with http.post(link.group(0)) as signed:
            csrf = csrf_of(await signed.text())
        async with http.get(f"http://127.0.0.1:{web.port}/associations?name=Anadolu") as table:
            found = re.search(r'href="/associations/(\d+)"', await table.text())
        assert found is not None and found.group(1) == "6001"
        sent = bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 6001
                                and "Uyum Bürosundan" in str(c.params["text"]), since=len(bot_api.calls))
        async with http.post(f"http://127.0.0.1:{web.port}/associations/6001/message",
                             data={"csrf": csrf, "text": "Merhaba! Pazartesi görüşebilir miyiz?", "language": "de"}):
            pass
        await sent  # through the outbox, in Turkish, with "Reply"
        framed = association.last()
        assert "Merhaba! Pazartesi görüşebilir miyiz?" in framed.text
        await association.tap(lambda d: d.startswith("M:r"), message=framed)
        noted = bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == STAFF_ID
                                 and "/associations/6001" in str(c.params["text"]), since=len(bot_api.calls))
        await association.send("Evet, saat 10'da geliriz.")
        assert "Yanıtınız Uyum Bürosuna iletildi" in association.last().text
        await noted  # staff hear of the reply
        async with http.get(f"http://127.0.0.1:{web.port}/associations/6001") as page:
            assert "Evet, saat 10&#39;da geliriz." in await page.text()
        sends = [c for c in bot_api.calls if c.method == "sendMessage" and "Uyum Bürosundan" in str(c.params["text"])]
        assert len(sends) == 1  # exactly once


async def test_msobot_run_serves_the_web_view_on_its_own_port(bot_api: StubBotAPI, tmp_path: Path) -> None:
    from tests.helpers.bot_process import BotProcess
    port = free_port()
    bot = BotProcess(bot_api, tmp_path / "db.sqlite3", tmp_path / "bot.log",
                     extra_env={"MSOBOT_WEB_PORT": str(port), "MSOBOT_STAFF_IDS": str(STAFF_ID)})
    try:
        await bot.start()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as page:
                assert page.status == 401  # served, and closed without a session
                assert "Content-Security-Policy" in page.headers
            async with http.get(f"http://127.0.0.1:{port}/signin/abc") as signin:
                assert signin.status == 200
    finally:
        await bot.stop()
