"""Webhook mode: a small tornado server (tornado comes with python-telegram-bot's webhooks
extra) that answers Telegram with 200 only once the update is committed to the inbox.

It is open to the internet behind the proxy, so it gives a stranger as little as it can: the
secret token is checked as soon as the headers are in, before a byte of the body is read (a
wrong one is answered 403 and the connection closed), a body over `MAX_BODY` is refused with
413, a client that is slow to send its headers or body is cut off, only so many connections
are served at once, and `/healthz` says healthy or not and nothing else (the details are in
`msobot status`)."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream
from tornado.web import Application, RequestHandler, stream_request_body

from bot.kernel.settings import Settings
from conversations.context import BotApplication
from conversations.receiving import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # bytes; Telegram's updates are a few kilobytes
MAX_HEADERS = 16 * 1024
HEADER_SECONDS = 10.0  # to send the request's headers (and between two requests on one connection)
BODY_SECONDS = 10.0  # to send its body
MAX_CONNECTIONS = 100  # Telegram opens at most 40 (setWebhook's max_connections, by default)
Health = Callable[[], Awaitable[bool]]


@stream_request_body
class _Updates(RequestHandler):
    def initialize(self, inbox: Inbox, secret: str, bot: Bot) -> None:  # tornado's hook
        self.inbox, self.secret, self.bot = inbox, secret, bot
        self.chunks: list[bytes] = []
        self.size = 0
        self.refused = False

    def prepare(self) -> None:
        """Runs once the headers are in and before the body is read: a refusal here closes the
        connection with the body unread."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            self._refuse(403)
            return
        declared = self.request.headers.get("Content-Length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY:
            self._refuse(413)

    def data_received(self, chunk: bytes) -> None:  # a body without Content-Length (chunked)
        if self.refused:
            return
        self.size += len(chunk)
        if self.size > MAX_BODY:
            self._refuse(413)
            return
        self.chunks.append(chunk)

    def _refuse(self, status: int) -> None:
        self.refused = True
        self.set_status(status)
        self.finish()

    async def post(self) -> None:
        try:
            update = Update.de_json(json.loads(b"".join(self.chunks)), self.bot)
        except Exception:  # not an update
            self.set_status(400)
            return
        await self.inbox.take([update])  # an error here is a 500: Telegram sends it again later
        self.set_status(200)


class _Health(RequestHandler):
    def initialize(self, health: Health) -> None:  # tornado's hook
        self.health = health

    async def get(self) -> None:
        healthy = await self.health()
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"healthy": healthy}))


class _BoundedServer(HTTPServer):
    """Connections beyond `MAX_CONNECTIONS` are closed at once instead of served."""

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        if len(self._connections) >= MAX_CONNECTIONS:
            stream.close()
            return
        super().handle_stream(stream, address)


class WebhookReceiver:
    def __init__(self, application: BotApplication, inbox: Inbox, settings: Settings, health: Health) -> None:
        assert settings.webhook_url and settings.webhook_secret
        self.application = application
        self.settings = settings
        secret = settings.webhook_secret.get_secret_value()
        self.app = Application([
            (r"/telegram", _Updates, {"inbox": inbox, "secret": secret, "bot": application.bot}),
            (r"/healthz", _Health, {"health": health}),
        ], log_function=lambda _handler: None)  # tornado's access log would show chat details
        self.server: HTTPServer | None = None

    async def start(self) -> None:
        self.server = _BoundedServer(self.app, xheaders=True, max_header_size=MAX_HEADERS,
                                     max_body_size=MAX_BODY, idle_connection_timeout=HEADER_SECONDS,
                                     body_timeout=BODY_SECONDS)
        self.server.listen(self.settings.webhook_port, self.settings.webhook_listen)
        assert self.settings.webhook_url and self.settings.webhook_secret
        await self.application.bot.set_webhook(
            url=self.settings.webhook_url, secret_token=self.settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        log.info("webhook listening on %s:%s", self.settings.webhook_listen, self.settings.webhook_port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None
