"""Webhook mode accepts only requests that carry Telegram's secret-token header."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.kernel.settings import Settings
from conversations.app import build_application, webhook_options
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.running import bot_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_update(update_id: int) -> dict[str, Any]:
    user = {"id": 77, "is_bot": False, "first_name": "A", "language_code": "de"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 77, "type": "private", "first_name": "A"},
        "from": user, "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


async def test_requests_without_the_secret_are_rejected(settings: Settings, bot_api: StubBotAPI) -> None:
    port = free_port()
    settings = bot_settings(settings, bot_api).model_copy(update={
        "webhook_url": "https://bot.example.org/telegram", "webhook_secret": SecretStr("s3cret-Token_1"),
        "webhook_port": port})
    application = build_application(settings)
    await application.initialize()
    assert application.post_init and application.post_shutdown and application.updater
    await application.post_init(application)
    await application.start()
    await application.updater.start_webhook(**webhook_options(settings))
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        set_webhook = next(c for c in bot_api.calls if c.method == "setWebhook")
        assert set_webhook.params["secret_token"] == "s3cret-Token_1"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=start_update(1)) as response:
                assert response.status == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            async with http.post(url, json=start_update(2), headers=wrong) as response:
                assert response.status == 403
            right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
            async with http.post(url, json=start_update(3), headers=right) as response:
                assert response.status == 200
        call = await bot_api.wait_for(lambda c: c.method == "sendMessage")
        assert int(call.params["chat_id"]) == 77
        assert len([c for c in bot_api.calls if c.method == "sendMessage"]) == 1  # only the real one
    finally:
        await application.updater.stop()
        await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()
