"""Webhook mode: only requests with Telegram's secret token count (refused before their body
is read), bodies are small, slow and surplus connections are closed, an update is answered
with 200 only once it is committed to the inbox, and /healthz says healthy or not."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
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
        for secret in (None, "guess"):  # refused after the headers, the body unread: raw HTTP sees it
            body = json.dumps(start_update(1)).encode()
            _sent, status = await push_body(webhook_settings.webhook_port, head(len(body), secret), body, len(body))
            assert status.startswith(b"HTTP/1.1 403"), status
        async with aiohttp.ClientSession() as http:
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
                assert response.status == 200 and await response.json() == {"healthy": True}
        assert len([c for c in bot_api.calls if c.method == "sendMessage"]) == 1


async def test_the_webhook_answers_500_when_the_inbox_write_fails_and_200_on_the_retry(
        webhook_settings: Settings, bot_api: StubBotAPI, inbox_fails_once: list[int]) -> None:
    right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with webhook_bot(webhook_settings) as (_application, base), aiohttp.ClientSession() as http:
        async with http.post(f"{base}/telegram", json=start_update(5), headers=right) as response:
            assert response.status == 500  # not stored: Telegram must send it again
        with sqlite3.connect(webhook_settings.database) as db:
            assert db.execute("SELECT update_id FROM inbox").fetchall() == []
        async with http.post(f"{base}/telegram", json=start_update(5), headers=right) as response:
            assert response.status == 200
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 77)
    assert inbox_fails_once == [5, 5]
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


# -- what a stranger can make the server do -----------------------------------------------------

MB = 1024 * 1024


async def push_body(port: int, head: bytes, chunk: bytes, total: int) -> tuple[int, bytes]:
    """Sends the request head, then `chunk` again and again up to `total` bytes as fast as the
    server takes them. Returns how many body bytes went out before the server closed the
    connection (the kernel's buffers take a few megabytes unread), and its status line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n"))
    sent = 0
    try:
        writer.write(head)
        while sent < total and not answer.done():
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
    except ConnectionError:
        pass
    try:
        status = await asyncio.wait_for(answer, 10)
    except (ConnectionError, asyncio.IncompleteReadError):
        status = b"(no answer)"
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return sent, status


def head(length: int | None, secret: str | None) -> bytes:
    lines = ["POST /telegram HTTP/1.1", "Host: bot.example.org", "Content-Type: application/json"]
    lines += [f"Content-Length: {length}"] if length is not None else ["Transfer-Encoding: chunked"]
    lines += [f"X-Telegram-Bot-Api-Secret-Token: {secret}"] if secret is not None else []
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_body_without_the_secret_is_refused_before_it_is_read(webhook_settings: Settings) -> None:
    """90 MB sent without the secret: the 403 comes after the headers and the connection is
    closed; what went out before is what the kernel's buffers hold, never the body."""
    async with webhook_bot(webhook_settings):
        port = webhook_settings.webhook_port
        sent, status = await push_body(port, head(90 * MB, None), b"x" * 65536, 90 * MB)
        assert status.startswith(b"HTTP/1.1 403") and sent < 16 * MB, (sent, status)
        sent, status = await push_body(port, head(90 * MB, "guess"), b"x" * 65536, 90 * MB)
        assert status.startswith(b"HTTP/1.1 403") and sent < 16 * MB, (sent, status)


async def test_a_body_over_a_megabyte_is_refused_even_with_the_secret(webhook_settings: Settings) -> None:
    async with webhook_bot(webhook_settings):
        port = webhook_settings.webhook_port
        sent, status = await push_body(port, head(2 * MB, SECRET), b"x" * 65536, 2 * MB)
        assert status.startswith(b"HTTP/1.1 413"), (sent, status)
        # Without Content-Length (chunked) it is counted as it comes: refused with 413 by the
        # handler or 400 by tornado's own limit of the same size, whichever sees it first.
        chunked = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent, status = await push_body(port, head(None, SECRET), chunked, 40 * MB)
        assert status[:12] in (b"HTTP/1.1 413", b"HTTP/1.1 400") and sent < 16 * MB, (sent, status)


async def test_a_client_slow_to_send_its_headers_or_body_is_cut_off(webhook_settings: Settings,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conversations.webhook.HEADER_SECONDS", 0.5)
    monkeypatch.setattr("conversations.webhook.BODY_SECONDS", 0.5)
    async with webhook_bot(webhook_settings):
        port = webhook_settings.webhook_port
        opened = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        try:
            opened[0][1].write(b"POST /telegram HTTP/1.1\r\nHost: x\r\n")  # and never the rest
            opened[1][1].write(head(1000, SECRET) + b"{")  # and never the rest of the body
            for reader, _writer in opened:
                assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
        finally:
            for _reader, writer in opened:
                writer.close()


async def test_connections_beyond_the_bound_are_closed_at_once(webhook_settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conversations.webhook.MAX_CONNECTIONS", 3)
    async with webhook_bot(webhook_settings):
        port = webhook_settings.webhook_port
        opened = []
        try:
            for _ in range(3):  # idle connections, within their 10 s to send a request
                opened.append(await asyncio.open_connection("127.0.0.1", port))
                opened[-1][1].write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert (await asyncio.wait_for(opened[-1][0].readuntil(b"\r\n"), 10)).startswith(b"HTTP/1.1 200")
            opened.append(await asyncio.open_connection("127.0.0.1", port))
            assert await asyncio.wait_for(opened[-1][0].read(), 5) == b""  # one too many
        finally:
            for _reader, writer in opened:
                writer.close()


async def test_healthz_says_healthy_or_not_and_nothing_else(webhook_settings: Settings) -> None:
    async with webhook_bot(webhook_settings) as (_application, base), aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"healthy": True}
        with sqlite3.connect(webhook_settings.database) as db:  # an update stuck for ten minutes
            db.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (1, '{}', ?)",
                       ((datetime.now(UTC) - timedelta(minutes=10)).isoformat(),))
        async with http.get(f"{base}/healthz") as response:
            body = await response.text()
            assert response.status == 503 and json.loads(body) == {"healthy": False}
    for detail in (socket.gethostname(), str(os.getpid()), str(webhook_settings.database.parent)):
        assert detail not in body
