"""Heavy work never stalls the users: a catalog import from another process while fifty
associations answer fails none of their updates; a staff export of thousands of associations
leaves the event loop free to answer meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sqlite3
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bench.dataset import create_schema, generate
from bot.catalog.importer import SAMPLE, read_catalog, vocabulary
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.services import load_domain, open_services
from bot.staff.exports import documents, table
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, fill_in, onboard, role
from tests.helpers.running import Processed, running_bot
from tests.test_suggestions_e2e import NEEDY

ROOT = Path(__file__).resolve().parents[1]
APOLOGY = "Sorry, something went wrong"


async def city(settings: Settings, msos: int) -> None:
    """A database with `msos` associations (60 % of them completed), as the office might have."""
    questionnaire, engine, _catalogs = load_domain(settings)
    partners = read_catalog(SAMPLE, vocabulary(questionnaire), settings.tz).partners
    await create_schema(settings.database)
    await asyncio.to_thread(generate, settings.database, engine, Catalogs().languages, partners, settings.tz,
                            msos, msos * 20, 40, random.Random(7).randrange(1 << 30))


def new_workshops(path: Path, count: int, tz: object) -> Path:
    start = datetime.now(tz) + timedelta(days=10)  # type: ignore[arg-type]
    topics = [["bookkeeping"], ["funding"], ["pr"], ["projects", "funding"], ["law"], ["volunteers"]]
    entries = [{
        "id": f"neu-{i:02d}", "title": {"de": f"Neuer Workshop {i}"}, "topics": topics[i % len(topics)],
        "languages": ["de", "tr", "ar"][: 1 + i % 3], "start": (start + timedelta(days=i)).strftime("%Y-%m-%dT18:00"),
        "end": (start + timedelta(days=i)).strftime("%Y-%m-%dT20:00"), "district": "elberfeld",
        "address": "Neumarkt 10, 42103 Wuppertal", "provider": "awo", "registration": {"email": "a@example.org"},
    } for i in range(count)]
    path.write_text(yaml.safe_dump({"workshops": entries}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
async def test_an_import_from_another_process_fails_no_update_of_fifty_answering_users(
        settings: Settings, bot_api: StubBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot waits at most a quarter of a second for the write lock here (5 s in production):
    the import's transactions must each be far shorter, or an answer fails."""
    monkeypatch.setattr("bot.storage.database.BUSY_TIMEOUT_MS", 250)
    settings = settings.model_copy(update={"quiet_hours": ""})
    await city(settings, 2000)
    catalog = new_workshops(tmp_path / "neu.yaml", 20, settings.tz)
    processed = Processed()
    phones = [Phone(bot_api, user_id=9000 + i, language_code="de", processed=processed) for i in range(50)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_DATABASE=str(settings.database))

    async def answer(phone: Phone) -> None:
        await onboard(phone, "de")
        await fill_in(phone, NEEDY, f"Verein {phone.user_id}")
        await phone.tap(role("F"))

    async with running_bot(settings, bot_api, processed):
        users = asyncio.gather(*(answer(phone) for phone in phones))
        for _ in range(600):  # until the users are under way
            if len(processed.ids) >= 100 or users.done():
                break
            await asyncio.sleep(0.05)
        began = time.monotonic()
        importing = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "catalog", "import", str(catalog), env=env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(importing.communicate(), 120)
        imported = time.monotonic() - began
        await asyncio.wait_for(users, 180)
    assert importing.returncode == 0, err.decode()
    assert "workshops: 20 added" in out.decode() and "new offers:" in out.decode(), out.decode()
    answered_during = len(processed.ids)
    texts = [m.text for m in bot_api.messages.values() if m.from_bot]
    assert not [t for t in texts if APOLOGY in t]  # not one update failed
    assert not [r for r in caplog.records if r.levelno >= 40], [r.getMessage() for r in caplog.records][-5:]
    with sqlite3.connect(settings.database) as db:
        done = db.execute("SELECT COUNT(*) FROM submissions WHERE user_id BETWEEN 9000 AND 9049 "
                          "AND completed_at IS NOT NULL").fetchone()[0]
        waiting = db.execute("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL").fetchone()[0]
        pushes = db.execute("SELECT COUNT(*) FROM outbox WHERE purpose = 'push' AND payload LIKE '%suggestion%'"
                            ).fetchone()[0]
    assert done == 50 and waiting == 0
    assert pushes > 100  # the import really had work to do: pushes to many of the 2,000
    print(f"\nimport of 20 workshops from another process: {imported:.1f} s, {pushes} pushes; "
          f"{answered_during} updates of 50 users handled, none failed")


class Ticker:
    """How late the event loop wakes a task that asks to run every 10 ms: the longest block."""

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

    async def _run(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, time.monotonic() - asked - 0.01)


async def test_a_city_wide_export_and_digest_leave_the_event_loop_free(settings: Settings) -> None:
    await city(settings, 3000)
    services = await open_services(settings.model_copy(update={"staff_ids": [501]}))
    try:
        async with Ticker() as ticker:
            began = time.monotonic()
            rows = await table(services.store, services.staff.v)
            files = await asyncio.to_thread(documents, services.staff.v, rows, services.store.now())
            digest = await services.digest.build()
            took = time.monotonic() - began
    finally:
        await services.close()
    assert len(rows) == 3001 and len(files) == 2 and digest.texts
    # The work took its time, but the loop was never held for more than a small part of it (the
    # reads run on the reader's thread, the table, the files and the chart in threads).
    assert ticker.longest < took / 4, f"the loop was blocked {ticker.longest:.3f} s of {took:.3f} s"
    print(f"\nexport and digest of 3,000 associations: {took:.2f} s; longest block of the loop {ticker.longest:.3f} s")
