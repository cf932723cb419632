"""Part 4: do the users notice when staff work on a city-wide database?

On a generated database of 20,000 associations, `users` simulated board members answer the
questionnaire through the real Application, each pausing a few seconds between taps as a
person reading the question would (a finished member is followed by a new one). First the
users alone (the baseline), then the same users while staff, all at once: `/export` (both
files, delivered), `msobot catalog import` of new workshops in a second process (its pushes
queued), `/msos` and `/digest` (delivered). Measured over that window: each update's reply
latency, the longest the event loop was held (a ticker), the longest write transaction of
the bot, and failed updates (errors the bot logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from telegram import Update

from bench.answers import user_language
from bench.bot_api import TOKEN, StubRequest
from bench.dataset import city, new_workshops
from bench.harness import App, ErrorCount, Latencies, Member, Ticker, Updates, running_application, step
from bench.report import peak_memory_mb
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.storage.jobs import JobStore

STAFF = 4711
ROOT = Path(__file__).resolve().parents[1]
THINK = (2.0, 4.0)  # seconds a member takes to read a question and tap: about 70 updates/s from 200


@dataclass
class StallResult:
    msos: int
    users: int
    baseline: dict[str, float]  # Latencies.summary() of the users alone
    during: dict[str, float]  # while staff work
    baseline_block: float  # longest event-loop block, seconds
    longest_block: float
    longest_write: float  # the bot's longest transaction while staff worked, seconds
    failed: int
    first_failure: str | None
    staff_seconds: dict[str, float]  # until each staff request was answered in full
    import_pushes: int
    peak_mb: float


async def run(msos: int, answers: int, workshops: int, users: int = 200, baseline_seconds: float = 15.0,
              new: int = 5, seed: int = 20261201) -> StallResult:
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    try:
        with tempfile.TemporaryDirectory(prefix="msobot-bench-") as tmp:
            settings = Settings(telegram_token=TOKEN, database=Path(tmp) / "city.sqlite3", staff_ids=[STAFF],
                                quiet_hours="", _env_file=None)
            await city(settings, msos, answers, workshops, seed)
            catalog = new_workshops(Path(tmp) / "new.yaml", new, settings.tz)
            request = StubRequest()
            async with running_application(settings, request) as application, Ticker() as ticker:
                async def work(updates: Updates) -> tuple[dict[str, float], int]:
                    return await _staff_work(application, request, updates, settings, catalog)
                result = await measure(application, request, users, baseline_seconds, ticker, errors, seed, work)
    finally:
        logging.getLogger().removeHandler(errors)
    result.msos = msos
    return result


StaffWork = Callable[[Updates], Awaitable[tuple[dict[str, float], int]]]


async def measure(application: App, request: StubRequest, users: int, baseline_seconds: float, ticker: Ticker,
                  errors: ErrorCount, seed: int, work: StaffWork) -> StallResult:
    """The users alone for `baseline_seconds`, then while `work` runs (staff's requests: the
    seconds each took, and a count of what they caused); the users' latencies in both."""
    services = application.bot_data["services"]
    updates = Updates()
    baseline, during = Latencies(), Latencies()
    phase = [baseline]
    stop = asyncio.Event()
    offered = Catalogs().languages

    async def member_after_member(lane: int) -> None:
        rng = random.Random(seed + lane)
        user_id = 2_000_000 + lane * 10_000
        while not stop.is_set():
            member = Member(user_id, user_language(rng, offered), "de", rng, services.engine)
            user_id += 1
            while not member.finished:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), rng.uniform(*THINK))
                if stop.is_set():
                    return
                await step(application, request, updates, member, phase[0])

    lanes = [asyncio.create_task(member_after_member(n)) for n in range(users)]
    try:
        await asyncio.sleep(baseline_seconds)
        baseline.wall = baseline_seconds
        baseline_block = ticker.longest
        phase[0] = during
        ticker.reset()
        services.store.longest_transaction = 0.0
        errors_before = errors.count
        began = time.perf_counter()
        staff, pushes = await work(updates)
        during.wall = time.perf_counter() - began
    finally:
        stop.set()
        await asyncio.gather(*lanes)
    return StallResult(
        msos=0, users=users, baseline=baseline.summary(), during=during.summary(), baseline_block=baseline_block,
        longest_block=ticker.longest, longest_write=services.store.longest_transaction,
        failed=errors.count - errors_before, first_failure=errors.first, staff_seconds=staff,
        import_pushes=pushes, peak_mb=peak_memory_mb())


async def _staff_work(application: App, request: StubRequest, updates: Updates, settings: Settings,
                      catalog: Path) -> tuple[dict[str, float], int]:
    """Everything at once; the seconds until each was answered in full, and the pushes the
    import queued."""
    staff = {"id": STAFF, "is_bot": False, "first_name": "Büro", "language_code": "de"}
    began = time.perf_counter()
    took: dict[str, float] = {}

    async def command(text: str, done: Callable[[], bool]) -> None:
        await application.process_update(Update.de_json(updates.text(staff, text), application.bot))
        await _until(done, f"{text} answered")
        took[text] = time.perf_counter() - began

    sent = request.sent
    documents, photos = sent[(STAFF, "sendDocument")], sent[(STAFF, "sendPhoto")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env["MSOBOT_DATABASE"] = str(settings.database)

    store = application.bot_data["services"].store

    async def pushes() -> int:
        row = await store.fetch_one("SELECT COUNT(*) AS n FROM outbox WHERE purpose = 'push'")
        return int(row["n"]) if row else 0

    async def import_workshops() -> int:
        """The command writes the workshops and a job; the bot pushes them (done: no job waits)."""
        before = await pushes()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "catalog", "import", str(catalog), env=env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(process.communicate(), 600)
        if process.returncode != 0:
            raise RuntimeError(f"catalog import failed: {err.decode()[-500:]}")
        for _ in range(30_000):  # until the bot has done the job (a benchmark: no hook in the bot for it)
            if not await JobStore(store).waiting():
                break
            await asyncio.sleep(0.02)
        took["msobot catalog import"] = time.perf_counter() - began
        return await pushes() - before

    importing = asyncio.create_task(import_workshops())
    await asyncio.gather(
        command("/export", lambda: sent[(STAFF, "sendDocument")] >= documents + 2),
        command("/msos", lambda: ":msos:" in str(request.prompts.get(STAFF, {}).get("reply_markup"))),
        command("/digest", lambda: sent[(STAFF, "sendPhoto")] >= photos + 1),
        importing)
    return took, importing.result()


async def _until(done: Callable[[], bool], what: str, limit: float = 600.0) -> None:
    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {limit:.0f} s: {what}")
        await asyncio.sleep(0.02)
