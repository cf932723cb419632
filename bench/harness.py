"""What the benchmark parts share: simulated board members and the updates their phones send,
the real Application started on a file database against the in-memory Bot API, latencies, the
errors the bot logs, and a ticker that measures how long the event loop was held."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from bench.answers import choose
from bench.bot_api import StubRequest
from bot.kernel.settings import Settings
from bot.questionnaire import QuestionType
from bot.questionnaire.engine import Engine

TEXT, TAP = 0, 1
Trace = list[tuple[int, int, str]]  # (TEXT or TAP, user id, text or callback data)
App = Application[Any, Any, Any, Any, Any, Any]


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
    calls: int = 0  # Bot API calls made meanwhile (replies, edits, answered taps, pushes)
    refused: int = 0  # of those, calls the stub refused as Telegram would
    trips: int = 0  # database round trips meanwhile (calls to aiosqlite's thread), every connection
    writes: int = 0  # write transactions meanwhile (BEGIN IMMEDIATE)

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
                "mean_ms": statistics.fmean(self.seconds) * 1000 if self.seconds else 0.0,
                "calls_per_update": self.calls / self.count if self.count else 0.0,
                "refused": self.refused,
                "trips_per_update": self.trips / self.count if self.count else 0.0,
                "writes_per_update": self.writes / self.count if self.count else 0.0}


# aiosqlite's public calls that each hand one piece of work to its thread and wait for it.
AIOSQLITE_TRIPS = {"Connection": ("execute", "execute_fetchall", "execute_insert", "executemany", "executescript",
                                  "commit", "rollback", "close"),
                   "Cursor": ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall", "close")}


class DatabaseTrips:
    """Counts round trips to the database threads (every call aiosqlite runs on its thread: a
    query, a batch of put-off writes with its COMMIT) and write transactions, while in use."""

    def __init__(self) -> None:
        self.trips = 0
        self.writes = 0

    @contextlib.contextmanager
    def counting(self) -> Iterator[DatabaseTrips]:
        import aiosqlite

        from bot.storage.connection import Connection

        originals = [(cls, name, getattr(cls, name)) for cls in (aiosqlite.Connection, aiosqlite.Cursor)
                     for name in AIOSQLITE_TRIPS[cls.__name__]]
        original_run = Connection.run

        def counted(method: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(method)
            def call(*args: Any, **kwargs: Any) -> Any:  # returns aiosqlite's awaitable as it is
                self.trips += 1
                return method(*args, **kwargs)
            return call

        async def run(conn: Connection, work: Any = None) -> Any:
            # A unit of work's BEGIN IMMEDIATE is put off and goes with its first statement.
            self.writes += sum(1 for sql, _params, _site in conn.pending
                               if sql.lstrip().upper().startswith("BEGIN IMMEDIATE"))
            return await original_run(conn, work)

        for cls, name, method in originals:
            setattr(cls, name, counted(method))
        Connection.run = run  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            for cls, name, method in originals:
                setattr(cls, name, method)
            Connection.run = original_run  # type: ignore[method-assign]


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


async def step(application: App, request: StubRequest, updates: Updates,
               member: Member, latencies: Latencies) -> tuple[int, int, str]:
    """The member's next text or tap, handled by the bot and timed; what was sent."""
    prompt = request.prompts.get(member.user_id)
    kind, payload = member.next_action(prompt)
    if kind == TEXT:
        data = updates.text(member.user(), payload)
    else:
        assert prompt is not None, f"chat {member.user_id}: a tap needs a message with buttons"
        data = updates.tap(member.user(), prompt, payload)
    await timed(application.process_update, Update.de_json(data, application.bot), latencies)
    return kind, member.user_id, payload


@contextlib.asynccontextmanager
async def running_application(settings: Settings, request: StubRequest) -> AsyncIterator[App]:
    """The Application `msobot run` builds, started with its services, outbox worker and jobs,
    its updates handed in by the caller. Unpaced: the in-memory Bot API has no limits, and these
    parts measure the bot's own work, which Telegram's 30 messages a second would cap (the
    outbox worker then paces its own sends, as without the gate)."""
    from conversations.app import build_application

    application = build_application(settings, request=request, paced=False)
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()


class Ticker:
    """How late the event loop wakes a task that asks to run every 10 ms: the longest time the
    loop was held by something else."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def reset(self) -> None:
        self.longest = 0.0

    async def _run(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, time.monotonic() - asked - 0.01)
