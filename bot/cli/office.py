"""The office's commands in a terminal: export, digest, purge and opening a round, on the
same database as the running bot."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.kernel.files import open_private, private_file
from bot.kernel.settings import ConfigError, Settings
from bot.operations.lease import Lease, LeaseHeld, running_bot
from bot.report.data import Scope
from bot.report.job import ReportRequest, report_job
from bot.services import Services, open_services
from bot.staff.exports import table, write_csv, xlsx_bytes
from bot.storage.outbox import Only


async def purge(settings: Settings) -> int:
    services = await open_services(settings)
    try:
        purged = await services.privacy.purge()
    finally:
        await services.close()
    print(f"{purged.submissions} unfinished questionnaire(s) older than {settings.retention_days} days deleted; "
          f"{purged.messages} delivered message(s) emptied", file=sys.stderr)
    return 0


async def digest(settings: Settings, send: bool, chart: Path | None) -> int:
    services = await open_services(settings)
    try:
        if not send:
            digest = await services.digest.build()
            print("\n\n".join(digest.texts))
            if chart is not None:
                await asyncio.to_thread(chart.write_bytes, digest.chart)
                print(f"chart written to {chart}", file=sys.stderr)
            return 0
        if not settings.token():
            raise ConfigError("MSOBOT_TELEGRAM_TOKEN: missing (needed to send the digest)")
        if not services.digest.recipients:
            raise ConfigError("MSOBOT_STAFF_IDS: nobody to send the digest to")
        return await _send_digest(services)
    finally:
        await services.close()


async def _send_digest(services: Services) -> int:
    """Queued for the staff chats; sent by the running bot, or from here under the lease when
    no bot runs (only the digest's own rows: the rest of the outbox is the bot's)."""
    store = services.store
    digest = await services.digest.build()
    lease = await alone(services, "msobot digest --send")
    try:
        async with store.transaction():
            rows = [row for chat_id in services.digest.recipients
                    for row in await services.digest.queue(chat_id, digest, None)]
        chats = len(services.digest.recipients)
        if lease is None:
            print(f"digest queued for {chats} chat(s); the running bot delivers it ({await the_bot(services)})",
                  file=sys.stderr)
            return 0
        await _deliver(services, lease.id, Only(ids=tuple(rows)))
        print(f"digest sent to {chats} chat(s)", file=sys.stderr)
        return 0
    finally:
        if lease is not None:
            await lease.release()


async def _deliver(services: Services, holder: str, only: Only) -> None:
    """Send these outbox rows through Telegram now, then stop."""
    from telegram.ext import ExtBot

    from bot.outbox import OutboxWorker
    from conversations.app import file_url
    from conversations.transport import TelegramTransport
    settings = services.settings
    token = settings.token()
    assert token is not None  # checked by the caller
    bot: ExtBot[None] = ExtBot(token, base_url=settings.telegram_api_url,
                               base_file_url=file_url(settings.telegram_api_url))
    async with bot:
        worker = OutboxWorker(services.store, TelegramTransport(bot), services.composers.compose,
                              holder=holder, only=only)
        await worker.drain(limit_seconds=120)


async def alone(services: Services, command: str) -> Lease | None:
    """The database's lock when no bot runs: the command then does all its work itself, as the
    single writer (release the lease when done). None when a bot holds it: the command writes
    its small part and a job in one short transaction, and the bot does the rest."""
    lease = Lease(services.store, command)
    try:
        await lease.acquire()
    except LeaseHeld:
        return None
    return lease


async def the_bot(services: Services) -> str:
    """The running bot, as a command that left it a job names it."""
    holder = await running_bot(services.store)
    return holder.describe(services.store.now()) if holder else "a bot that stopped meanwhile: the next one"


def _write_bytes(path: Path, content: bytes) -> None:
    private_file(path).write_bytes(content)


async def open_round(settings: Settings, name: str) -> int:
    services = await open_services(settings)
    lease = await alone(services, "msobot round open")
    try:
        opened = await services.rounds.open(name, leave_to_bot=lease is None)
        when = (f"the running bot queues and sends them ({await the_bot(services)})" if lease is None
                else "no bot runs now: they go out when it starts")
    except ValueError as exc:
        raise ConfigError(f"--name: {exc}") from exc
    finally:
        if lease is not None:
            await lease.release()
        await services.close()
    if opened is None:
        print(f"A round named {name!r} exists already; nobody was invited again.", file=sys.stderr)
        return 1
    print(f"Round {opened.round.name!r} opened: {opened.invited} associations will be invited "
          f"outside quiet hours; {when}.", file=sys.stderr)
    return 0


async def export(settings: Settings, output: Path, format_: str) -> int:
    services = await open_services(settings)
    try:
        rows = await table(services.store, services.staff.voice)
    finally:
        await services.close()
    if format_ == "xlsx":
        if str(output) == "-":
            raise ConfigError("--output: an .xlsx file needs a file name, not -")
        content = xlsx_bytes(rows, services.staff.sheet_title())
        await asyncio.to_thread(_write_bytes, output, content)
        print(f"{len(rows) - 1} submissions written to {output}", file=sys.stderr)
    elif str(output) == "-":
        write_csv(rows, sys.stdout)
    else:
        with open_private(output, encoding="utf-8-sig", newline="") as out:
            write_csv(rows, out)
        print(f"{len(rows) - 1} submissions written to {output}", file=sys.stderr)
    return 0


def report(settings: Settings, round_name: str | None, start: date | None, end: date | None, notes: Path | None,
           output: Path) -> int:
    """The committee's report; the file's suffix chooses PDF or HTML."""
    format_ = output.suffix.lower().lstrip(".")
    if format_ not in ("pdf", "html"):
        raise ConfigError("--output: a file ending in .pdf or .html")
    if end is not None and start is None:
        raise ConfigError("--to: needs --from")
    text = notes.read_text(encoding="utf-8") if notes is not None else None
    request = ReportRequest(Scope(round_name, start, end), text, format_)
    try:
        content = report_job(settings, request, datetime.now(UTC))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    _write_bytes(output, content)
    print(f"report written to {output}", file=sys.stderr)
    return 0
