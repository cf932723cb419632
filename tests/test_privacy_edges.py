"""Edges of the privacy duties that no test held before issue 26: staff commands in a group that
is not the configured staff chat, chained exceptions quoting user text in the log, the events of
an association after its /delete, and the retention limits to the hour."""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.kernel.logs import setup_logging
from bot.kernel.routes import Role
from bot.kernel.settings import Settings
from bot.privacy.service import PrivacyService
from bot.survey.turns import Visitor
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.fakes import Clock
from tests.helpers.phone import in_group
from tests.helpers.running import Processed, running_bot
from tests.test_suggestions import NEEDS_NOTHING, TZ, open_service, seed

STAFF_ID = 501
TYPED = "Unser Kassenwart heißt Q-7731-Geheim"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    handler = setup_logging(logging.DEBUG, ["123456:TEST-TOKEN"], stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for old in handlers:
            if old not in root.handlers:
                root.addHandler(old)
        root.setLevel(level)


def test_chained_exceptions_never_bring_user_text_into_the_log(log_stream: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    try:
        try:
            raise ValueError(TYPED)
        except ValueError as cause:
            raise RuntimeError("storing the answer failed") from cause
    except RuntimeError:
        log.exception("a handler failed")
    try:
        try:
            raise KeyError(TYPED)
        except KeyError:
            raise LookupError(f"no such question: {TYPED}")  # noqa: B904 - the implicit context
    except LookupError:
        log.exception("another handler failed")
    text = log_stream.getvalue()
    assert "a handler failed" in text and "ValueError" in text and "KeyError" in text  # where and what stay
    assert TYPED not in text
    assert text.count("[message withheld") >= 3


async def test_staff_commands_in_a_group_other_than_the_staff_chat_are_refused(settings: Settings,
                                                                               bot_api: StubBotAPI) -> None:
    stranger_group = {"id": -100999, "type": "supergroup", "title": "Somebody's group"}
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "staff_chat_id": -100300, "quiet_hours": ""})
    processed = Processed()
    async with running_bot(settings, bot_api, processed) as application:
        for command in ("/digest", "/partner publish", "/round"):
            since = len(bot_api.calls)
            await in_group(bot_api, processed, stranger_group, STAFF_ID, command)
            said = [str(c.params["text"]) for c in bot_api.calls[since:] if c.method == "sendMessage"]
            assert said == [], command  # strangers learn nothing, not even that there are staff commands
        # The adapters hand every update to the router: for a stranger's group it has nothing to say.
        router = application.bot_data["services"].router
        assert await router.command(Visitor(STAFF_ID, "de"), Role.STRANGER, -100999, "digest") is None
    assert not any(c.method in ("sendPhoto", "sendDocument") for c in bot_api.calls)
    with sqlite3.connect(settings.database) as db:
        assert db.execute("SELECT COUNT(*) FROM partner_figures WHERE reason = 'staff'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] == 0


async def test_an_associations_events_are_gone_after_delete(tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 2, 1, 10, 0, tzinfo=TZ))
    store, survey, _suggestions = await open_service(tmp_path / "db.sqlite3", clock)
    try:
        await seed(store, 1, {**NEEDS_NOTHING, "org_name": "Geht e.V."})
        await seed(store, 2, {**NEEDS_NOTHING, "org_name": "Bleibt e.V."})
        for user in (1, 2):
            async with store.transaction():
                await store.log_event("pushes_changed", user, on=True)
        theirs = [r["id"] for r in await store.fetch_all("SELECT id FROM events WHERE user_id = 1")]
        assert theirs
        await survey.press(Visitor(1, "en"), "X:y")
        marks = ",".join("?" * len(theirs))
        left = await store.fetch_all(f"SELECT id, user_id, kind FROM events WHERE id IN ({marks})", *theirs)
        assert [dict(r) for r in left] == []  # deleted, not kept with user_id set to NULL
        assert await store.fetch_all("SELECT id FROM events WHERE user_id = 2")  # the other's stay
    finally:
        await store.close()


@pytest.mark.parametrize("hours", [1, -1])
async def test_retention_holds_to_the_hour(tmp_path: Path, hours: int) -> None:
    """An hour before the limit everything is kept, an hour after it is gone: completed
    questionnaires (1,095 days after the last change) and events (365 days)."""
    now = datetime(2030, 6, 1, 3, 30, tzinfo=TZ)
    clock = Clock(now - timedelta(days=1095) + timedelta(hours=hours))  # hours > 0: younger than the limit
    store, survey, _suggestions = await open_service(tmp_path / "db.sqlite3", clock)
    privacy = PrivacyService(store, survey.engine, survey.tz, retention_days=365, completed_days=1095)
    try:
        await seed(store, 1, {**NEEDS_NOTHING, "org_name": "Grenzfall e.V."})
        clock.now = now - timedelta(days=365) + timedelta(hours=hours)
        async with store.transaction():
            await store.log_event("retention_probe")
        clock.now = now
        purged = await privacy.purge()
        kept = hours > 0
        assert (purged.associations, await store.user(1) is not None) == (0 if kept else 1, kept)
        probes = await store.fetch_all("SELECT id FROM events WHERE kind = 'retention_probe'")
        assert len(probes) == (1 if kept else 0)
    finally:
        await store.close()
