"""`msobot run`: take the database's lock (the lease) before anything talks to Telegram, run
the Application with our own receiving (polling or webhook, both through the durable inbox),
and stop cleanly on SIGTERM or SIGINT, when the database file was replaced, or when Telegram
refuses us."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.consent.notice import require
from bot.kernel.settings import ConfigError, Settings
from bot.operations.lease import Lease, LeaseHeld
from bot.operations.status import read_status
from bot.services import load_domain, open_services
from bot.web.server import OfficeServer
from conversations.app import build_application, check_webhook
from conversations.context import BotApplication
from conversations.receiving import Inbox, Poller
from conversations.webhook import WebhookReceiver

log = logging.getLogger(__name__)


class Receiver(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def run_bot(settings: Settings, webhook: bool = False) -> int:
    return asyncio.run(serve(settings, webhook))


async def serve(settings: Settings, webhook: bool) -> int:
    if not settings.token():
        raise ConfigError("MSOBOT_TELEGRAM_TOKEN: missing (get one from @BotFather)")
    if webhook:
        check_webhook(settings)
    require(settings)  # the privacy notice names who is responsible
    domain = load_domain(settings)  # a broken questionnaire stops here, before anything else (once)
    services = await open_services(settings, domain)
    lease = Lease(services.store, "msobot run --webhook" if webhook else "msobot run")
    try:
        await lease.acquire()
        application = build_application(settings, domain=domain)
    except LeaseHeld as exc:
        await services.close()
        print(f"msobot: {exc}; not started.", file=sys.stderr)
        return 1
    except BaseException:
        await lease.release()
        await services.close()
        raise
    application.bot_data.update(services=services, lease=lease)
    stopped = asyncio.Event()
    exit_code = 0

    def stop(problem: str | None = None) -> None:
        nonlocal exit_code
        if problem is not None:
            log.error("%s", problem)
            exit_code = 1
        stopped.set()

    application.bot_data["stop"] = stop
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    receiver: Receiver | None = None
    office = OfficeServer(services, settings) if settings.web_port else None
    try:
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        inbox: Inbox = application.bot_data["inbox"]
        receiver = WebhookReceiver(application, inbox, settings, _health(settings)) if webhook \
            else Poller(application, inbox, on_fatal=stop)
        await receiver.start()
        if office is not None:  # the office's web view: same process, loop and database
            await office.start()
        log.info("running: %s", "webhook" if webhook else "long polling")
        await stopped.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if office is not None:
            await office.stop()
        await _shut_down(application, receiver)
    return exit_code


async def _shut_down(application: BotApplication, receiver: Receiver | None) -> None:
    with contextlib.suppress(Exception):
        if receiver is not None:
            await receiver.stop()
    if application.running:
        await application.stop()
    assert application.post_shutdown is not None
    await application.post_shutdown(application)
    await application.shutdown()


def _health(settings: Settings) -> Any:
    async def health() -> bool:
        status = await asyncio.to_thread(read_status, settings.database, settings.backups(), datetime.now(UTC))
        return status.healthy
    return health
