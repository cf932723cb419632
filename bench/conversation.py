"""Part 1: how many updates a second the real Application handles while many MSOs fill in
the questionnaire at the same time, against a bare python-telegram-bot echo bot.

Both bots run in the same harness: the in-memory Bot API (`bench.bot_api.StubRequest`) behind
`Application.builder().request(...)`, updates handed to `application.process_update` from
`concurrency` phones at a time (as `msobot run` does: up to 64 updates at once, each user's in
order), the time around each call taken as its latency and updates a second counted over the
wall-clock time of the whole run. The bot under test is built by `build_application` on a real SQLite
file, with `post_init` run, so services are open and the outbox worker sends suggestions in the
background like in production; the sample catalog is imported so completions produce them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bench.answers import user_language
from bench.bot_api import TOKEN, StubRequest
from bench.harness import (
    TEXT,
    DatabaseTrips,
    ErrorCount,
    Latencies,
    Member,
    Trace,
    Updates,
    running_application,
    step,
    timed,
)
from bench.report import peak_memory_mb
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.questionnaire.engine import Engine


@dataclass
class ConversationResult:
    msos: int
    completed: int
    errors: int
    first_error: str | None
    ours: dict[str, float]
    echo: dict[str, float]
    wall_seconds: float
    peak_mb: float
    outbox: dict[str, int]


def bench_settings(directory: Path) -> Settings:
    return Settings(telegram_token=TOKEN, database=directory / "bench.sqlite3", quiet_hours="",
                    _env_file=None)


async def run_ours(directory: Path, msos: int, seed: int,
                   concurrency: int) -> tuple[Latencies, Trace, int, dict[str, int]]:
    """The questionnaire through the real Application; returns latencies, the update trace,
    how many questionnaires were completed, and the outbox's state at the end."""
    from bot.catalog.importer import SAMPLE
    from bot.staff.catalog_import import import_file
    from bot.storage.outbox import OutboxStore

    request = StubRequest()
    async with running_application(bench_settings(directory), request) as application:
        services = application.bot_data["services"]
        await import_file(services.suggestions, SAMPLE)
        engine: Engine = services.engine
        offered = Catalogs().languages
        rng = random.Random(seed)
        members = [Member(100_000 + i, user_language(rng, offered), rng.choice(("de", "tr-TR", "ar", "en-US", "ru")),
                          random.Random(seed * 1_000_003 + i), engine) for i in range(msos)]
        updates = Updates()
        latencies = Latencies()
        trace: Trace = []

        async def lane(mine: list[Member], rng: random.Random) -> None:
            """One of `concurrency` phones in flight at once: its members take turns at random."""
            active = list(mine)
            while active:
                index = rng.randrange(len(active))
                member = active[index]
                trace.append(await step(application, request, updates, member, latencies))
                if member.finished:
                    active[index] = active[-1]
                    active.pop()

        calls = request.calls.total()
        began = time.perf_counter()
        with DatabaseTrips().counting() as trips:
            await asyncio.gather(*(lane(members[n::concurrency], random.Random(seed + n))
                                   for n in range(concurrency)))
        latencies.wall = time.perf_counter() - began
        latencies.trips, latencies.writes = trips.trips, trips.writes
        latencies.calls = request.calls.total() - calls
        latencies.refused = request.refused.total()
        if request.refused:
            logging.getLogger(__name__).error("the Bot API refused: %s", dict(request.refused))
        row = await services.store.fetch_one("SELECT COUNT(*) AS n FROM submissions WHERE completed_at IS NOT NULL")
        completed = int(row["n"]) if row else 0
        outbox = await OutboxStore(services.store).counts()
    return latencies, trace, completed, outbox


async def run_echo(trace: Trace, concurrency: int) -> Latencies:
    """The same sequence of texts and taps through a bare echo bot in the same harness."""

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def tapped(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You tapped {query.data}")

    request = StubRequest()
    application = Application.builder().token(TOKEN).request(request).get_updates_request(request).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(tapped))
    await application.initialize()
    await application.start()
    updates = Updates()
    latencies = Latencies()
    calls = request.calls.total()

    async def lane(steps: Trace) -> None:
        for kind, user_id, payload in steps:
            user = {"id": user_id, "is_bot": False, "first_name": f"MSO {user_id}", "language_code": "de"}
            if kind == TEXT:
                data = updates.text(user, payload)
            else:
                message = request.last.get(user_id) or {"message_id": 1, "date": int(time.time()), "text": "-",
                                                        "chat": {"id": user_id, "type": "private"}}
                data = updates.tap(user, message, payload)
            await timed(application.process_update, Update.de_json(data, application.bot), latencies)

    lanes: dict[int, Trace] = {}
    users = sorted({user_id for _kind, user_id, _payload in trace})
    lane_of = {user_id: n % concurrency for n, user_id in enumerate(users)}
    for done in trace:
        lanes.setdefault(lane_of[done[1]], []).append(done)
    began = time.perf_counter()
    try:
        await asyncio.gather(*(lane(steps) for steps in lanes.values()))
        latencies.wall = time.perf_counter() - began
        latencies.calls = request.calls.total() - calls
    finally:
        await application.stop()
        await application.shutdown()
    return latencies


async def run(msos: int, seed: int = 20261125, concurrency: int = 64) -> ConversationResult:
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="msobot-bench-") as tmp:
            ours, trace, completed, outbox = await run_ours(Path(tmp), msos, seed, concurrency)
        peak = peak_memory_mb()  # before the echo bot: the figure is ours
        wall = time.perf_counter() - started
        echo = await run_echo(trace, concurrency)
    finally:
        logging.getLogger().removeHandler(errors)
    return ConversationResult(msos=msos, completed=completed, errors=errors.count, first_error=errors.first,
                              ours=ours.summary(), echo=echo.summary(), wall_seconds=wall, peak_mb=peak,
                              outbox=outbox)
