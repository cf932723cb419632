"""Heavy work never stalls the users: a catalog import from another process while fifty
associations answer fails none of their updates; a staff export of thousands of associations
leaves the event loop free to answer meanwhile."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bench.dataset import city, new_workshops
from bench.harness import Ticker
from bot.kernel.settings import Settings
from bot.services import open_services
from bot.staff.exports import export_job
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, fill_in, onboard, role
from tests.helpers.running import Processed, running_bot
from tests.test_suggestions_e2e import NEEDY

ROOT = Path(__file__).resolve().parents[1]
APOLOGY = "Sorry, something went wrong"


@pytest.mark.slow
async def test_an_import_from_another_process_fails_no_update_of_fifty_answering_users(
        settings: Settings, bot_api: StubBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot waits at most a quarter of a second for the write lock here (5 s in production):
    the import's transactions must each be far shorter, or an answer fails."""
    monkeypatch.setattr("bot.storage.database.BUSY_TIMEOUT_MS", 250)
    settings = settings.model_copy(update={"quiet_hours": ""})
    await city(settings, 2000, 40_000, 40, 7)
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


async def test_a_city_wide_export_and_digest_leave_the_event_loop_free(settings: Settings) -> None:
    await city(settings, 3000, 60_000, 40, 7)
    settings = settings.model_copy(update={"staff_ids": [501]})
    services = await open_services(settings)
    try:
        async with Ticker() as ticker:
            began = time.monotonic()
            made = await services.staff.context.offload.run(export_job, settings)
            digest = await services.digest.build()
            took = time.monotonic() - began
    finally:
        await services.close()
    assert made.count == 3000 and made.csv.count(b"\n") > 3000 and made.xlsx.startswith(b"PK")
    assert digest.texts and digest.chart.startswith(b"\x89PNG")
    # The work took its time, but the loop was never held for more than a small part of it (the
    # export and the chart in a process of their own, the figures read on the reader's thread).
    assert ticker.longest < took / 4, f"the loop was blocked {ticker.longest:.3f} s of {took:.3f} s"
    print(f"\nexport and digest of 3,000 associations: {took:.2f} s; longest block of the loop {ticker.longest:.3f} s")
