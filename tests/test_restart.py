"""The bot process is killed mid-questionnaire and started again on the same database."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from pathlib import Path

from bot.kernel.i18n import Catalogs
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.bot_process import CONTROLLER
from tests.helpers.phone import Phone, option


async def start_bot(api: StubBotAPI, database: Path, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_TELEGRAM_TOKEN=api.token, MSOBOT_TELEGRAM_API_URL=api.url,
               MSOBOT_DATABASE=str(database), MSOBOT_CHAT_INTERVAL="0", **CONTROLLER)
    since = len(api.calls)
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=output, stderr=asyncio.subprocess.STDOUT)
    await api.wait_for(lambda c: c.method == "getUpdates", since=since, timeout=30)
    return process


def answers(database: Path) -> dict[str, object]:
    with sqlite3.connect(database) as db:
        return {q: json.loads(v) for q, v in db.execute("SELECT question_id, value FROM answers")}


async def test_a_killed_bot_loses_nothing_and_resumes_at_the_next_question(
        tmp_path: Path, bot_api: StubBotAPI) -> None:
    database, log = tmp_path / "msobot.sqlite3", tmp_path / "bot.log"
    _ = Catalogs().translator("de").gettext
    phone = Phone(bot_api, user_id=5151, language_code="de")

    bot = await start_bot(bot_api, database, log)
    try:
        await phone.send("/start", expect=phone.sends_prompt())
        await phone.tap(lambda d: d == "L:de", expect=phone.sends_prompt())
        await phone.tap(lambda d: d == "C:y", expect=phone.says(_("What is the name of your association?")))
        await phone.send("Kulturverein Vohwinkel", expect=phone.sends_prompt())
        communities = phone.prompt()
        await phone.tap(option("communities", "kurdish"), expect=phone.edits(communities))
        await phone.tap(option("communities", "arabic"), message=communities, expect=phone.edits(communities))
        await phone.tap(lambda d: d.startswith("D:"), message=communities, expect=phone.sends_prompt())
        await phone.tap(option("district", "vohwinkel"), expect=phone.sends_prompt())
        members_tap = await phone.tap(option("members", "m31_100"),
                                      expect=phone.says(_("What is the legal status of your association?")))
        assert members_tap
        last_update = bot_api.updates[-1]["update_id"]
    finally:
        bot.kill()  # SIGKILL: no shutdown code runs
        await bot.wait()

    before = answers(database)
    assert before == {"org_name": "Kulturverein Vohwinkel", "communities": ["kurdish", "arabic"],
                      "district": "vohwinkel", "members": "m31_100"}

    bot_api.confirmed_offset = last_update  # Telegram delivers the last, unconfirmed tap again
    bot = await start_bot(bot_api, database, log)
    try:
        new = await phone.send("/start", expect=phone.says(
            _("What is the legal status of your association?"), with_buttons=True))
        assert any(m.text.startswith(_("Welcome back! You started on {date}.").split("{")[0]) for m in new)
        await phone.tap(option("status", "founding"),
                        expect=phone.says(_("Where does your association need support?")))
    finally:
        bot.kill()
        await bot.wait()

    assert answers(database) == {**before, "status": "founding"}
    with sqlite3.connect(database) as db:
        members_answers = db.execute(
            "SELECT count(*) FROM events WHERE kind = 'answer' AND data LIKE '%\"members\"%'").fetchone()
    assert members_answers == (1,)  # the repeated update changed nothing
    assert "Traceback" not in log.read_text()
