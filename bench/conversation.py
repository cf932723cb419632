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
import itertools
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bench.answers import choose, user_language
from bench.bot_api import TOKEN, StubRequest
from bench.report import peak_memory_mb
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.questionnaire import QuestionType
from bot.questionnaire.engine import Engine

TEXT, TAP = 0, 1
Trace = list[tuple[int, int, str]]  # (TEXT or TAP, user id, text or callback data)


class ErrorCount(logging.Handler):
    """Counts what the bot logs as an error (a handler that raised, a failed outbox round)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = record.getMessage()[:200]


@dataclass
class Latencies:
    """Seconds per update, and what they add up to."""

    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0  # from the first update to the last answered one

    @property
    def count(self) -> int:
        return len(self.seconds)

    @property
    def per_second(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def summary(self) -> dict[str, float]:
        return {"updates": self.count, "per_second": self.per_second,
                "p50_ms": self.percentile(50) * 1000, "p95_ms": self.percentile(95) * 1000,
                "p99_ms": self.percentile(99) * 1000,
                "max_ms": max(self.seconds, default=0.0) * 1000,
                "mean_ms": statistics.fmean(self.seconds) * 1000 if self.seconds else 0.0}


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


class Member:
    """One board member's phone: looks at the newest message with buttons and decides what to
    send next, answering with `bench.answers.choose`."""

    def __init__(self, user_id: int, language: str, client_language: str, rng: random.Random,
                 engine: Engine) -> None:
        self.user_id = user_id
        self.language = language
        self.client_language = client_language
        self.rng = rng
        self.engine = engine
        self.started = False
        self.finished = False
        self.todo: list[str] = []  # taps still planned on a multiple-choice question

    def user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": f"MSO {self.user_id}",
                "language_code": self.client_language}

    def next_action(self, prompt: dict[str, Any] | None) -> tuple[int, str]:
        if not self.started:
            self.started = True
            return TEXT, "/start"
        if prompt is None:  # the first question wants typed text and has no buttons
            first = self.engine.visible({})[0]
            return TEXT, str(choose(self.engine, first, self.rng, self.user_id))
        datas = [b["callback_data"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
        if self.todo:
            return TAP, self.todo.pop(0)
        if datas[0].startswith("L:"):
            return TAP, f"L:{self.language}" if f"L:{self.language}" in datas else datas[0]
        if "C:y" in datas:
            return TAP, "C:y"
        confirm = next((d for d in datas if d.startswith("F:")), None)
        if confirm is not None:
            self.finished = True
            return TAP, confirm
        action = next(d for d in datas if d[0] in "ATBSDK" and d.count(":") >= 2)
        _kind, submission, question_id = action.split(":")[:3]
        question = self.engine.question(question_id)
        assert question is not None, f"unknown question {question_id}"
        value = choose(self.engine, question, self.rng, self.user_id)
        if value is None:
            return TAP, f"S:{submission}:{question_id}"
        if question.type is QuestionType.MULTI:
            self.todo = [f"T:{submission}:{question_id}:{v}" for v in value] + [f"D:{submission}:{question_id}"]
            return TAP, self.todo.pop(0)
        if question.type in (QuestionType.TEXT, QuestionType.NUMBER):
            return TEXT, str(value)
        return TAP, f"A:{submission}:{question_id}:{value}"


class Updates:
    """Builds Telegram update objects the way the Bot API would send them."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.message_ids = itertools.count(10_000_000)

    def text(self, user: dict[str, Any], text: str) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": next(self.message_ids), "date": int(time.time()),
                                   "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                                   "from": user, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self.ids), "message": message}

    def tap(self, user: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
        update_id = next(self.ids)
        return {"update_id": update_id, "callback_query": {
            "id": str(update_id), "from": user, "chat_instance": str(user["id"]), "message": message, "data": data}}


async def timed(process: Callable[[Update], Awaitable[None]], update: Update, latencies: Latencies) -> None:
    started = time.perf_counter()
    await process(update)
    latencies.seconds.append(time.perf_counter() - started)


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
    from conversations.app import build_application

    settings = bench_settings(directory)
    request = StubRequest()
    application = build_application(settings, request=request)
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    await application.start()
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
            prompt = request.prompts.get(member.user_id)
            kind, payload = member.next_action(prompt)
            data = updates.text(member.user(), payload) if kind == TEXT else \
                updates.tap(member.user(), _message_of(prompt, member.user_id), payload)
            trace.append((kind, member.user_id, payload))
            await timed(application.process_update, Update.de_json(data, application.bot), latencies)
            if member.finished:
                active[index] = active[-1]
                active.pop()

    began = time.perf_counter()
    try:
        await asyncio.gather(*(lane(members[n::concurrency], random.Random(seed + n)) for n in range(concurrency)))
        latencies.wall = time.perf_counter() - began
        row = await services.store.fetch_one("SELECT COUNT(*) AS n FROM submissions WHERE completed_at IS NOT NULL")
        completed = int(row["n"]) if row else 0
        outbox = await OutboxStore(services.store).counts()
    finally:
        await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()
    return latencies, trace, completed, outbox


def _message_of(prompt: dict[str, Any] | None, chat_id: int) -> dict[str, Any]:
    assert prompt is not None, f"chat {chat_id}: a tap needs a message with buttons"
    return prompt


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
    for step in trace:
        lanes.setdefault(lane_of[step[1]], []).append(step)
    began = time.perf_counter()
    try:
        await asyncio.gather(*(lane(steps) for steps in lanes.values()))
        latencies.wall = time.perf_counter() - began
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
