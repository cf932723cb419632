"""Commands that run beside the bot write small (issue 25): `msobot catalog import` and `msobot
round open` write their own rows and a job in one short transaction, and the running bot, the
database's single writer, queues the thousands of messages; with no bot running, the command
holds the lock and queues them itself."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bench.dataset import city, new_workshops
from bot.cli.main import main
from bot.kernel.settings import Settings
from bot.operations.lease import is_locked
from bot.staff import jobs
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.running import running_bot


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(sql).fetchone()[0])


def pushes(database: Path) -> int:
    return count(database, "SELECT COUNT(*) FROM outbox WHERE purpose = 'push'")


def invitations(database: Path) -> int:
    return count(database, "SELECT COUNT(*) FROM outbox WHERE purpose = 'round'")


def waiting_jobs(database: Path) -> int:
    return count(database, "SELECT COUNT(*) FROM meta WHERE key LIKE 'job:%'")


@pytest.fixture
async def city_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MSOBOT_DATABASE", str(settings.database))
    monkeypatch.setenv("MSOBOT_QUIET_HOURS", "")
    await city(settings, 300, 6000, 10, 7)
    return settings.model_copy(update={"quiet_hours": ""})


class HeldJobs:
    """The running bot looks for jobs only once `go` is set (and then often); `done` is set
    when it has done one."""

    def __init__(self) -> None:
        self.go, self.done = asyncio.Event(), asyncio.Event()

    async def release(self) -> None:
        self.go.set()
        await asyncio.wait_for(self.done.wait(), 60)


@pytest.fixture
def held_jobs(monkeypatch: pytest.MonkeyPatch) -> HeldJobs:
    held = HeldJobs()
    run_waiting = jobs.Jobs.run_waiting

    async def when_allowed(self: jobs.Jobs) -> int:
        await held.go.wait()
        done = await run_waiting(self)
        if done:
            held.done.set()
        return done

    monkeypatch.setattr(jobs.Jobs, "run_waiting", when_allowed)
    monkeypatch.setattr(jobs, "LOOK_SECONDS", 0.05)
    return held


async def test_an_import_beside_the_bot_leaves_the_pushes_to_it(
        city_settings: Settings, bot_api: StubBotAPI, tmp_path: Path, held_jobs: HeldJobs,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = city_settings.database
    catalog = new_workshops(tmp_path / "new.yaml", 3, city_settings.tz)
    before = pushes(database)  # the city's earlier ones
    async with running_bot(city_settings, bot_api):
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["catalog", "import", str(catalog)]) == 0
        out = capsys.readouterr().out
        assert "workshops: 3 added" in out
        assert "new offers: the running bot pushes them to the associations they fit (msobot run on " in out
        assert pushes(database) == before and waiting_jobs(database) == 1  # the command wrote no push
        await held_jobs.release()
        assert waiting_jobs(database) == 0
        assert pushes(database) > before + 20  # the bot queued them
    queued = pushes(database)
    await asyncio.to_thread(main, ["catalog", "import", str(catalog)])  # the same file again: nothing new
    assert pushes(database) == queued and waiting_jobs(database) == 0


async def test_a_round_opened_beside_the_bot_is_fanned_out_by_it(
        city_settings: Settings, bot_api: StubBotAPI, held_jobs: HeldJobs,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = city_settings.database
    async with running_bot(city_settings, bot_api):
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["round", "open", "--name", "2027"]) == 0
        err = capsys.readouterr().err
        invited = int(err.split("opened: ")[1].split(" ")[0])
        assert invited > 100, err
        assert "the running bot queues and sends them (msobot run on " in err
        assert invitations(database) == 0 and waiting_jobs(database) == 1
        await held_jobs.release()
        assert waiting_jobs(database) == 0
        assert invitations(database) == invited
        assert count(database, "SELECT COUNT(*) FROM rounds WHERE fanned_out_at IS NULL") == 0


async def test_with_no_bot_running_the_command_holds_the_lock_and_queues_itself(
        city_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = city_settings.database
    catalog = new_workshops(tmp_path / "new.yaml", 3, city_settings.tz)
    before = pushes(database)
    locked: list[bool] = []
    queue = jobs.SuggestionService.offers_added

    async def watched(self: jobs.SuggestionService, workshop_ids: list[str]) -> dict[int, list[str]]:
        locked.append(is_locked(database))
        return await queue(self, workshop_ids)

    monkeypatch.setattr(jobs.SuggestionService, "offers_added", watched)
    assert await asyncio.to_thread(main, ["catalog", "import", str(catalog)]) == 0
    out = capsys.readouterr().out
    assert "no bot runs now: they go out when it starts" in out, out
    assert locked == [True] and not is_locked(database)  # held while it queued, given back after
    assert pushes(database) > before + 20 and waiting_jobs(database) == 0
    assert await asyncio.to_thread(main, ["round", "open", "--name", "2027"]) == 0
    assert invitations(database) > 100 and waiting_jobs(database) == 0

