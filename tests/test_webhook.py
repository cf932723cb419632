"""Webhook mode: only requests with Telegram's secret token count, an update is answered with
200 only once it is committed to the inbox, and monitors read the status on /healthz."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.kernel.settings import ConfigError, Settings, load_settings
from conversations.app import build_application, check_webhook
from conversations.context import BotApplication
from conversations.runner import _health
from conversations.webhook import WebhookReceiver
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.running import bot_settings

SECRET = "s3cret-Token_1-that-is-long-enough-to-guard"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_update(update_id: int) -> dict[str, Any]:
    user = {"id": 77, "is_bot": False, "first_name": "A", "language_code": "de"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 77, "type": "private", "first_name": "A"},
        "from": user, "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


@asynccontextmanager
async def webhook_bot(settings: Settings) -> AsyncIterator[tuple[BotApplication, str]]:
    application = build_application(settings)
    await application.initialize()
    assert application.post_init and application.post_shutdown
    receiver: WebhookReceiver | None = None
    try:
        await application.post_init(application)
        await application.start()
        receiver = WebhookReceiver(application, application.bot_data["inbox"], settings, _health(settings))
        await receiver.start()
        yield application, f"http://127.0.0.1:{settings.webhook_port}"
    finally:
        if receiver is not None:
            await receiver.stop()
        if application.running:
            await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()


@pytest.fixture
def webhook_settings(settings: Settings, bot_api: StubBotAPI) -> Settings:
    return bot_settings(settings, bot_api).model_copy(update={
        "webhook_url": "https://bot.example.org/telegram", "webhook_secret": SecretStr(SECRET),
        "webhook_port": free_port()})


async def test_requests_without_the_secret_are_rejected(webhook_settings: Settings, bot_api: StubBotAPI) -> None:
    async with webhook_bot(webhook_settings) as (_application, base):
        set_webhook = next(c for c in bot_api.calls if c.method == "setWebhook")
        assert set_webhook.params["secret_token"] == SECRET
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/telegram", json=start_update(1)) as response:
                assert response.status == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            async with http.post(f"{base}/telegram", json=start_update(2), headers=wrong) as response:
                assert response.status == 403
            right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(f"{base}/telegram", data=b"{not json", headers=right) as response:
                assert response.status == 400
            async with http.post(f"{base}/telegram", json=start_update(3), headers=right) as response:
                assert response.status == 200
                # 200 means stored: the update is in the inbox before Telegram hears it arrived.
                with sqlite3.connect(webhook_settings.database) as db:
                    assert db.execute("SELECT update_id FROM inbox").fetchall() == [(3,)]
            call = await bot_api.wait_for(lambda c: c.method == "sendMessage")
            assert int(call.params["chat_id"]) == 77
            assert len([c for c in bot_api.calls if c.method == "sendMessage"]) == 1  # only the real one
            async with http.post(f"{base}/telegram", json=start_update(3), headers=right) as response:
                assert response.status == 200  # Telegram sent it again: stored and handled once
            async with http.get(f"{base}/healthz") as response:
                report = await response.json()
                assert response.status == 200, report
                assert report["running"] is True and report["problems"] == []
                assert report["schema_version"] >= 7 and report["inbox_waiting"] == 0
        assert len([c for c in bot_api.calls if c.method == "sendMessage"]) == 1


def test_webhook_mode_needs_url_and_secret(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="MSOBOT_WEBHOOK_URL"):
        check_webhook(settings)
    with pytest.raises(ConfigError, match="MSOBOT_WEBHOOK_SECRET"):
        check_webhook(settings.model_copy(update={"webhook_url": "https://x.example.org/telegram"}))


def test_a_short_webhook_secret_is_refused_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSOBOT_WEBHOOK_SECRET", "s3cret")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value).startswith("MSOBOT_WEBHOOK_SECRET: use 32-256 characters")
    assert "\n" not in str(refused.value)
    monkeypatch.setenv("MSOBOT_WEBHOOK_SECRET", "x" * 32)
    assert load_settings().webhook_secret is not None
