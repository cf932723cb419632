"""Part 7: the office's web view on a city-wide database (issue 28).

On a generated database of 20,000 associations, `users` simulated board members answer the
questionnaire through the real Application (as in part 4), first alone, then while officers use
the web view served by the same process and event loop: the associations table, the table
filtered (district, topic and level, progress, consent, a name), and association pages. Measured:
each page's time from request to the last byte, and the users' reply latency meanwhile."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient

from bench.bot_api import TOKEN, StubRequest
from bench.dataset import city
from bench.harness import App, ErrorCount, Ticker, Updates, running_application
from bench.stall import ROOT, STAFF, StallResult, measure
from bot.kernel.settings import Settings
from bot.web.server import COOKIE, OfficeServer

OFFICERS = 3  # staff browsing at once
FILTERS = ("district=barmen", "topic=bookkeeping&level=urgent", "progress=in_progress", "consent=sharing",
           "name=verein", "district=elberfeld&topic=pr", "page=20")


@dataclass
class OfficeResult:
    users: StallResult
    pages: dict[str, float]  # p50_ms, p95_ms, max_ms, count


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000 if ordered else 0.0
    return {"count": len(ordered), "p50_ms": at(50), "p95_ms": at(95), "max_ms": (ordered[-1] * 1000) if ordered
            else 0.0}


async def run(msos: int, answers: int, workshops: int, users: int = 200, baseline_seconds: float = 15.0,
              pages: int = 150, seed: int = 20261206) -> OfficeResult:
    errors = ErrorCount()
    with tempfile.TemporaryDirectory(prefix="msobot-bench-") as tmp:
        settings = Settings(telegram_token=TOKEN, database=Path(tmp) / "city.sqlite3", staff_ids=[STAFF],
                            quiet_hours="", _env_file=None)
        await city(settings, msos, answers, workshops, seed)
        request = StubRequest()
        async with running_application(settings, request) as application, Ticker() as ticker:
            server = OfficeServer(application.bot_data["services"], settings, port=0)
            await server.start()
            try:
                timings: list[float] = []

                async def work(_updates: Updates) -> tuple[dict[str, float], int]:
                    await _browse(application, server.port, pages, seed, timings)
                    return {}, len(timings)
                result = await measure(application, request, users, baseline_seconds, ticker, errors, seed, work)
            finally:
                await server.stop()
    result.msos = msos
    return OfficeResult(result, _summary(timings))


async def _browse(application: App, port: int, pages: int, seed: int, timings: list[float]) -> None:
    """The officers' browsers are processes of their own, as real ones are: their HTTP work is
    not the bot's. This process signs them in and reads their timings."""
    services = application.bot_data["services"]
    async with services.store.transaction():
        link = await services.staff.office.issue(STAFF)
    base = f"http://127.0.0.1:{port}"
    signed = await AsyncHTTPClient().fetch(base + link[link.index("/signin/"):], method="POST", body=b"",
                                           follow_redirects=False, raise_error=False)
    cookie = next(c for c in signed.headers.get_list("Set-Cookie") if c.startswith(COOKIE)).split(";")[0]
    rows = await services.store.fetch_all("SELECT id FROM users ORDER BY id")
    ids = ",".join(str(r["id"]) for r in rows)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.office", base, cookie, str(pages), str(seed), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    out, err = await process.communicate(ids.encode())
    if process.returncode != 0:
        raise RuntimeError(f"the officers' browsers failed: {err.decode()[-500:]}")
    timings.extend(json.loads(out))


def officers(base: str, cookie: str, pages: int, seed: int, ids: list[int]) -> list[float]:
    """In the browsers' process: OFFICERS threads, each opening pages one after another."""
    import threading
    import urllib.request

    timings: list[float] = []
    failures: list[str] = []

    def officer(number: int) -> None:
        rng = random.Random(seed + number)
        for _ in range(pages // OFFICERS):
            kind = rng.random()
            path = "/associations" if kind < 0.2 else f"/associations?{rng.choice(FILTERS)}" if kind < 0.5 \
                else f"/associations/{rng.choice(ids)}"
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie})) as page:
                    page.read()
            except Exception as exc:  # an error page is a failure of the benchmark
                failures.append(f"{path}: {exc}")
                return
            timings.append(time.perf_counter() - began)
            time.sleep(rng.uniform(0.2, 0.6))  # an officer reads a little

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(OFFICERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return timings


if __name__ == "__main__":
    _base, _cookie, _pages, _seed = sys.argv[1:5]
    _ids = [int(i) for i in sys.stdin.read().split(",") if i]
    print(json.dumps(officers(_base, _cookie, int(_pages), int(_seed), _ids)))
