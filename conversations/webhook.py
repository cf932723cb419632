"""Webhook mode: a small tornado server (tornado comes with python-telegram-bot's webhooks
extra) that answers Telegram with 200 only once the update is committed to the inbox, checks
the secret token on every request, and serves `/healthz` for monitors."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.kernel.settings import Settings
from conversations.context import BotApplication
from conversations.receiving import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


class _Updates(RequestHandler):
    def initialize(self, inbox: Inbox, secret: str, bot: Bot) -> None:  # tornado's hook
        self.inbox, self.secret, self.bot = inbox, secret, bot

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot)
        except Exception:  # not an update
            self.set_status(400)
            return
        await self.inbox.take([update])  # an error here is a 500: Telegram sends it again later
        self.set_status(200)


class _Health(RequestHandler):
    def initialize(self, health: Health) -> None:  # tornado's hook
        self.health = health

    async def get(self) -> None:
        healthy, report = await self.health()
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


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
        self.server = HTTPServer(self.app, xheaders=True)
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
