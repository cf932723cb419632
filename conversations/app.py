"""`build_application(settings)`: the python-telegram-bot Application, wired in one place."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from datetime import UTC, datetime, time
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, JobQueue
from telegram.request import BaseRequest

from bot.kernel.settings import ConfigError, Settings
from bot.kernel.tasks import cancelled
from bot.operations import backups
from bot.operations.lease import Lease, database_file
from bot.outbox import OutboxWorker
from bot.outbox.worker import RATE
from bot.services import Domain, Services, load_domain, open_services
from bot.storage.log_folding import LogFolder
from bot.survey.turns import Visitor
from conversations import menus
from conversations.context import BotApplication, BotContext
from conversations.handlers import register
from conversations.menus import Housekeeping
from conversations.pacing import Limits, SendGate
from conversations.receiving import Inbox
from conversations.throttle import Throttle, UserOrderedProcessor
from conversations.transport import TelegramTransport

log = logging.getLogger(__name__)

REMINDER_CHECK_SECONDS = 3600
PURGE_AT = time(3, 30)  # local time of the daily retention job
BACKUP_AT = time(2, 45)  # local time of the nightly backup


def file_url(api_url: str) -> str:
    """python-telegram-bot's base_file_url for a base_url like https://host/bot."""
    return re.sub(r"/bot$", "/file/bot", api_url.rstrip("/"))


def build_application(settings: Settings, *, request: BaseRequest | None = None,
                      domain: Domain | None = None, paced: bool = True) -> BotApplication:
    """`request`: another way to the Bot API than HTTP (the benchmark's in-memory stub);
    `domain`: what `load_domain` gave already (`msobot run` loads it once); `paced`: every
    message the bot sends waits for its turn within Telegram's limits, replies first
    (`conversations.pacing`); off only where no Telegram limits apply (the benchmark's
    throughput parts)."""
    token = settings.token()
    if not token:
        raise ConfigError("MSOBOT_TELEGRAM_TOKEN: missing (get one from @BotFather)")
    loaded = domain or load_domain(settings)  # fail before connecting if the questionnaire is broken

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Services and the lease (`msobot run` takes both before it talks to Telegram), the
        inbox's leftovers first in the queue, the outbox worker, the heartbeat, the jobs."""
        data = application.bot_data
        if "services" not in data:
            data["services"] = await open_services(settings, loaded)
        services: Services = data["services"]
        if "lease" not in data:
            lease = Lease(services.store, "msobot run")
            await lease.acquire()
            data["lease"] = lease
        lease = data["lease"]
        housekeeping = Housekeeping(application.bot, services)
        data["housekeeping"] = housekeeping
        await housekeeping.start()  # never fatal: what Telegram refuses is logged and retried
        services.links.known_as(application.bot.username)  # for invitation links
        inbox = Inbox(application, services.store)
        data["inbox"] = inbox
        await inbox.replay()
        # Behind the gate the outbox is paced with everything else (its calls marked bulk);
        # without it, the worker paces its own sends.
        worker = OutboxWorker(services.store, TelegramTransport(application.bot), services.composers.compose,
                              holder=lease.id, rate=None if paced else RATE)
        services.start_sending()
        data["outbox"] = worker
        data["outbox_task"] = asyncio.create_task(worker.run(), name="outbox")
        path = await database_file(services.store)
        if path is not None:  # the single writer folds the log in, never inside a reply's COMMIT
            data["log_folder"] = folder = LogFolder(services.store, path)
            await folder.start()
        data["heartbeat"] = asyncio.create_task(lease.keep(lambda reason: data.get("stop", _no_stop)(reason)),
                                                name="lease")
        _schedule(application, services)
        # What start-up loaded lives as long as the bot: frozen, Python's full collections no
        # longer walk it, each of which paused every reply for up to 60 ms (measured).
        gc.collect()
        gc.freeze()

    async def post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        worker = application.bot_data.pop("outbox", None)
        task = application.bot_data.pop("outbox_task", None)
        if worker is not None and task is not None:
            await worker.stop()
            await task
        await cancelled(application.bot_data.pop("heartbeat", None))
        folder = application.bot_data.pop("log_folder", None)
        if folder is not None:
            await folder.stop()

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        gc.unfreeze()
        await post_stop(application)
        lease = application.bot_data.pop("lease", None)
        services = application.bot_data.pop("services", None)
        if services is not None:
            if lease is not None:
                await lease.release()
            await services.close()

    # python-telegram-bot takes the processor before it makes the application, so what the
    # processor calls finds the application's parts when an update ends: after post_init, which
    # made the inbox and the services before the application started.
    async def finished(update: object) -> None:
        inbox: Inbox = application.bot_data["inbox"]
        await inbox.finish(update)

    async def throttled(update: Update) -> None:
        await _slow_down(application, update)

    processor = UserOrderedProcessor(Throttle(settings.throttle_burst, settings.throttle_rate),
                                     on_done=finished, on_throttled=throttled)
    builder = _with_request(Application.builder(), request)
    if paced:
        builder = builder.rate_limiter(SendGate(Limits(chat_interval=settings.chat_interval)))
    application: BotApplication = (
        builder
        .token(token)
        .updater(None)  # updates come through the inbox (conversations.receiving), not PTB's Updater
        .concurrent_updates(processor)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .context_types(ContextTypes(context=BotContext))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    register(application)
    return application


async def _slow_down(application: BotApplication, update: Update) -> None:
    """The one notice a flooding user gets, in their language: as a toast for a tap."""
    services: Services | None = application.bot_data.get("services")
    user, chat = update.effective_user, update.effective_chat
    if services is None or user is None:
        return
    language = await services.survey.language_of(Visitor(user.id, user.language_code))
    text = services.survey.screens_for(language).slow_down()
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    elif chat is not None and chat.type == "private":
        await application.bot.send_message(chat.id, text)


def _no_stop(reason: str) -> None:
    log.error("the bot should stop now (%s), but nothing can stop it from here", reason)


def _with_request(builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any],
                  request: BaseRequest | None) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    return builder if request is None else builder.request(request).get_updates_request(request)


def _schedule(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """The weekly digest at its time, a catch-up at start (a bot that was down sends the missed
    one), the monthly partner digest likewise, the hourly look for unfinished questionnaires to
    remind, and the daily retention purge (also a minute after start, so a bot restarted every
    night still purges)."""
    queue: JobQueue[Any] | None = application.job_queue
    if queue is None:
        raise ConfigError("the job queue is missing: install python-telegram-bot[job-queue]")
    weekday, at = services.settings.digest_schedule()

    async def digest(_context: Any) -> None:
        try:
            await services.digest.send_due()
        except Exception:
            log.exception("weekly digest failed; the next check tries again")

    async def reminders(_context: Any) -> None:
        try:
            await services.reminders.queue_due()
        except Exception:
            log.exception("reminders for unfinished questionnaires failed")

    ptb_day = (weekday + 1) % 7  # python-telegram-bot counts days from Sunday = 0
    queue.run_daily(digest, time=time(at.hour, at.minute, tzinfo=services.settings.tz), days=(ptb_day,),
                    name="weekly-digest")
    queue.run_once(digest, when=1, name="digest-catch-up")

    async def partner_digest(_context: Any) -> None:
        try:
            await services.partners.monthly.send_due()
        except Exception:
            log.exception("monthly partner digest failed; the next check tries again")

    # Checked each working day at the digest's time (it goes on the month's first one) and at start.
    queue.run_daily(partner_digest, time=time(at.hour, at.minute, tzinfo=services.settings.tz), days=(1, 2, 3, 4, 5),
                    name="partner-digest")
    queue.run_once(partner_digest, when=2, name="partner-digest-catch-up")
    queue.run_repeating(reminders, interval=REMINDER_CHECK_SECONDS, first=30, name="unfinished-reminders")

    async def purge(_context: Any) -> None:
        try:
            await services.privacy.purge()
        except Exception:
            log.exception("retention purge failed; tomorrow's run tries again")

    queue.run_daily(purge, time=PURGE_AT.replace(tzinfo=services.settings.tz), name="retention-purge")
    queue.run_once(purge, when=60, name="retention-purge-at-start")

    async def backup(_context: Any) -> None:
        settings = services.settings
        try:
            today = datetime.now(UTC).astimezone(settings.tz).date()
            made = await asyncio.to_thread(backups.nightly, settings.database, settings.backups(), today)
            log.info("nightly backup %s (%d bytes)", made.path, made.size)
        except Exception:
            log.exception("nightly backup failed; tomorrow's run tries again")

    queue.run_daily(backup, time=BACKUP_AT.replace(tzinfo=services.settings.tz), name="nightly-backup")

    async def housekeeping(_context: Any) -> None:
        keeper: Housekeeping | None = application.bot_data.get("housekeeping")
        if keeper is not None and keeper.pending:
            await keeper.retry()

    queue.run_repeating(housekeeping, interval=menus.RETRY_SECONDS, first=menus.RETRY_SECONDS, name="housekeeping")


def check_webhook(settings: Settings) -> None:
    """Webhook mode needs the public URL and the secret token Telegram sends with every request."""
    if not settings.webhook_url:
        raise ConfigError("MSOBOT_WEBHOOK_URL: missing (the public https URL Telegram should call)")
    if not settings.webhook_secret:
        raise ConfigError("MSOBOT_WEBHOOK_SECRET: missing (32-256 characters of A-Z, a-z, 0-9, _ and -)")
