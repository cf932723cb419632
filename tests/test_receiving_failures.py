"""An update Telegram is told arrived is in the inbox (issue 25): when the inbox write fails,
polling keeps its offset, so Telegram delivers the update again (the webhook's 500 is in
test_webhook.py)."""

from __future__ import annotations

from bot.kernel.settings import Settings
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.running import running_bot


async def test_polling_keeps_its_offset_until_the_inbox_write_commits(
        settings: Settings, bot_api: StubBotAPI, inbox_fails_once: list[int]) -> None:
    async with running_bot(settings, bot_api):
        update_id = await bot_api.send_message(bot_api.user(41, "de"), "/start")
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 41)
    assert inbox_fails_once == [update_id, update_id]  # Telegram delivered it again
    offsets = [int(c.params.get("offset") or 0) for c in bot_api.calls if c.method == "getUpdates"]
    confirmed = offsets.index(update_id + 1)
    assert offsets[confirmed - 1] <= update_id  # the poll after the failed write confirmed nothing
    assert len([c for c in bot_api.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == 41]) == 1
