"""Erasure that leaves nothing, checked the way an auditor would: every table, every column and
the bytes of the database and its write-ahead log, while the bot still runs; retention that
deletes completed questionnaires, old events and the office's files on time; staff outputs
with personal data only in private chats; the record of processing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.catalog.importer import SAMPLE
from bot.cli import main
from bot.consent.notice import NOTICE_VERSION
from bot.kernel.outcome import Outcome
from bot.kernel.settings import Settings
from bot.operations.status import read_status
from bot.outbox.worker import OutboxWorker
from bot.privacy.service import PrivacyService
from bot.services import Services, open_services
from bot.staff.exports import export_job
from bot.storage import Submission
from bot.storage.consents import ConsentStore
from bot.storage.outbox import OutboxStore
from bot.storage.partners import PartnerStore
from bot.survey.turns import Turn, Visitor
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.fakes import Clock, Recorder
from tests.helpers.phone import Phone, fill_in, in_group, onboard, role
from tests.helpers.running import Processed, running_bot
from tests.test_suggestions import NEEDS_NOTHING, TZ, open_service, seed
from tests.test_suggestions_e2e import EXPERIENCED, NEEDY, import_catalog

T = TypeVar("T")
STAFF_ID = 501
LEAVER = 987654321  # far from any update or message id
NAME, CONTACT, FREE_TEXT = "Verein Gehtweg e.V.", "+49 202 999 1234", "Wir brauchen einen Raum QZX-frei"


def traces(database: Path, needles: list[str], user_id: int) -> list[str]:
    """Where in the database (any table, any column) the user's id or a needle still is; and in
    the bytes of the file and its log."""
    found = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                for value in row:
                    if value == user_id or (isinstance(value, str) and (
                            str(user_id) in value or any(n in value for n in needles))):
                        found.append(f"{table}: {str(value)[:80]}")
    raw = database.read_bytes()
    wal = database.with_name(database.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    found += [f"file bytes: {n}" for n in needles if n.encode() in raw]
    return found


async def test_delete_leaves_no_trace_anywhere_while_the_bot_runs(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    processed = Processed()
    leaver = Phone(bot_api, user_id=LEAVER, language_code="de", processed=processed)
    other = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    plan = {**EXPERIENCED, "peer_contact": CONTACT, "comments": FREE_TEXT}
    async with running_bot(settings, bot_api, processed) as application:
        await onboard(leaver, "de", "C:t10", "C:t11", "C:y11")
        await fill_in(leaver, plan, NAME)
        await leaver.tap(role("F"))
        await leaver.send("/export")  # a staff command it may not use: refused and noted
        await onboard(other, "tr")
        await fill_in(other, NEEDY, "Elternverein Oberbarmen e.V.")
        await other.tap(role("F"))  # the leaver is suggested to it as a peer
        await staff.send("/digest")  # the digest quotes the leaver's free text
        await staff.send("/export")  # the export holds the leaver's answers
        store = application.bot_data["services"].store
        await bot_api.until(lambda: True if len(bot_api.documents) >= 2 else None, 20, "the export files")
        assert traces(settings.database, [NAME, CONTACT, FREE_TEXT], LEAVER)  # there before
        await leaver.send("/delete")
        await leaver.tap(lambda d: d == "X:y")
        # While the bot runs: not in any table, column, or byte of the file and its log.
        assert traces(settings.database, [NAME, CONTACT, FREE_TEXT], LEAVER) == []
        assert await store.fetch_one("SELECT 1 FROM users WHERE id = 1001") is not None  # the other stays
    refused = [json.loads(r[0]) for r in sqlite3.connect(settings.database).execute(
        "SELECT data FROM events WHERE kind = 'staff_refused'")]
    assert refused == [] or all("telegram_user" not in e for e in refused)


async def test_completed_questionnaires_old_events_and_office_files_expire(tmp_path: Path) -> None:
    now = datetime(2030, 6, 1, 3, 30, tzinfo=TZ)
    clock = Clock(now - timedelta(days=1000))
    store, survey, _service = await open_service(tmp_path / "db.sqlite3", clock)
    privacy = PrivacyService(store, survey.engine, survey.tz, retention_days=365, completed_days=1095)
    outbox = OutboxStore(store)
    try:
        await seed(store, 1, {**NEEDS_NOTHING, "org_name": "Alt e.V."})  # completed 1,000 days ago
        clock.now = now - timedelta(days=200)
        await seed(store, 2, {**NEEDS_NOTHING, "org_name": "Jung e.V."})  # completed 200 days ago
        for days in (400, 10):  # an event older than the retention, and a recent one
            clock.now = now - timedelta(days=days)
            async with store.transaction():
                await store.log_event("pushes_changed", 2, on=days == 10)
        clock.now = now - timedelta(days=2)
        async with store.transaction():
            old_digest = await outbox.enqueue(STAFF_ID, None, "digest", {"type": "screen", "screen": {"text": "x"}})
            stuck_export = await outbox.enqueue(STAFF_ID, None, "export", {"type": "document", "content": "eA=="})
        assert old_digest is not None and stuck_export is not None
        await outbox.mark_sent(old_digest)
        clock.now = now - timedelta(hours=1)
        async with store.transaction():
            fresh = await outbox.enqueue(STAFF_ID, None, "digest", {"type": "screen", "screen": {"text": "y"}})
        assert fresh is not None
        await outbox.mark_sent(fresh)
        clock.now = now
        purged = await privacy.purge()
        assert purged.associations == 0 and purged.messages == 2
        events = await store.fetch_all("SELECT data FROM events")
        assert [json.loads(e["data"]) for e in events] == [{"on": True}]  # the one of 400 days ago is gone
        rows = {r["id"]: (r["state"], r["payload"]) for r in await store.fetch_all("SELECT * FROM outbox")}
        assert rows[old_digest] == ("sent", "{}") and rows[stuck_export] == ("dropped", "{}")
        assert rows[fresh][1] != "{}"  # sent an hour ago: kept until tomorrow
        clock.now = now + timedelta(days=100)  # 1,100 days after the first association completed
        assert (await privacy.purge()).associations == 1
        assert [r["id"] for r in await store.fetch_all("SELECT id FROM users")] == [2]
        assert [r["name"] for r in await store.fetch_all("SELECT name FROM organisations")] == ["Jung e.V."]
    finally:
        await store.close()


async def test_staff_outputs_with_personal_data_only_in_a_private_chat(settings: Settings,
                                                                       bot_api: StubBotAPI) -> None:
    group = {"id": -100300, "type": "supergroup", "title": "Team Integration"}
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "staff_chat_id": -100300, "quiet_hours": ""})
    processed = Processed()

    async def in_staff_group(text: str) -> int:
        return await in_group(bot_api, processed, group, STAFF_ID, text)

    async with running_bot(settings, bot_api, processed):
        for command in ("/export", "/msos", "/stats", "/broadcast"):
            since = len(bot_api.calls)
            await in_staff_group(command)
            said = [str(c.params["text"]) for c in bot_api.calls[since:] if c.method == "sendMessage"]
            assert said == ["Dieser Befehl zeigt Daten einzelner Vereine und funktioniert deshalb nur im privaten "
                            "Chat mit mir, nicht in einer Gruppe. Bitte schicken Sie ihn mir dort."], command
        since = len(bot_api.calls)
        await in_staff_group("/digest")  # aggregates: fine for the group
        await bot_api.wait_for(lambda c: c.method == "sendPhoto" and int(c.params["chat_id"]) == -100300, since=since)
    assert not any(chat == -100300 for chat, *_rest in bot_api.documents)


def test_the_record_of_processing_follows_the_configuration(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    monkeypatch.setenv("MSOBOT_DATABASE", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("MSOBOT_CONTROLLER", "Stadt Wuppertal, Ressort Zuwanderung und Integration")
    monkeypatch.setenv("MSOBOT_CONTROLLER_CONTACT", "integration@example.org")
    monkeypatch.setenv("MSOBOT_DPO_CONTACT", "datenschutz@example.org")
    monkeypatch.setenv("MSOBOT_RETENTION_DAYS", "200")
    assert main(["privacy", "record"]) == 0
    german = capsys.readouterr().out
    assert german.startswith("Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)")
    assert "Verantwortlicher: Stadt Wuppertal, Ressort Zuwanderung und Integration, integration@example.org" in german
    assert "nicht abgeschlossene Fragebögen 200 Tage nach der letzten Antwort" in german
    assert "1.095 Tage nach der letzten Änderung" in german and "Telegram" in german
    assert "Beispielwerte" not in german
    assert main(["privacy", "record", "--language", "en"]) == 0
    english = capsys.readouterr().out
    assert english.startswith("Record of processing activities (Art. 30 GDPR)") and "200 days" in english



# -- erasure that reaches everything (issue 26, part 2) ------------------------------------------

AWO_CONTACT = 7001
WISH = {**NEEDY, "need_funding": "urgent", "professional_orgs": ["welfare"], "professional_topics": ["funding"],
        "org_name": NAME, "comments": FREE_TEXT}


async def leaving(services: Services, answers: dict[str, object] = WISH) -> Submission:
    """The association that will leave: completed, agreed to sharing, asked welfare organisations
    for advice (the request card to AWO's contact is queued as completing queues it)."""
    store = services.store
    async with store.transaction():
        await store.set_language(LEAVER, "de")
        await ConsentStore(store).agree(LEAVER, NOTICE_VERSION, {"partners": True})
        submission = await store.create_submission(LEAVER, services.engine.questionnaire.id,
                                                   services.engine.questionnaire.version)
        for question, value in answers.items():
            await store.save_answer(submission.id, question, value)
        await store.set_organisation_name(submission.id, NAME)
        await store.complete(submission.id)
        user = await store.user(LEAVER)
        turn = Turn(Visitor(LEAVER), user, services.survey.screens_for("de"))
        await services.partners.requests.completed(turn, submission, answers)  # type: ignore[arg-type]
    return submission


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, SAMPLE)
    opened = await open_services(settings)
    async with opened.store.transaction():
        await PartnerStore(opened.store).add_contact(AWO_CONTACT, "awo", "Frau Beispiel", "de")
    await opened.partners.load()
    yield opened
    await opened.close()


@pytest.fixture
def reader(settings: Settings) -> Iterator[sqlite3.Connection]:
    """Another connection to the database (a backup, Litestream): `begin` holds a read transaction."""
    connection = sqlite3.connect(settings.database, isolation_level=None)
    yield connection
    connection.close()


async def test_delete_reaches_queued_messages_reports_and_the_log_behind_a_reader(
        services: Services, reader: sqlite3.Connection) -> None:
    store, outbox = services.store, OutboxStore(services.store)
    await leaving(services)
    request = await store.fetch_one("SELECT id FROM contact_requests WHERE user_id = ?", LEAVER)
    assert request is not None
    async with store.transaction():  # AWO answers "Not our field": the office is told, naming the association
        await services.partners.answers.answer(AWO_CONTACT, request["id"], False, Outcome())
        # ... and a notice queued by an earlier version, without `about_user`
        await outbox.enqueue(STAFF_ID, None, "staff", {"type": "screen", "screen": {"text": f"„{NAME}“ fragt an"}})
    stale = await services.digest.build()  # a digest and an export built before the deletion ...
    made = await asyncio.to_thread(export_job, services.settings)
    assert FREE_TEXT in "".join(stale.texts) and NAME.encode() in made.csv
    async with store.transaction():  # ... and one of each queued before it
        await services.digest.queue(STAFF_ID, stale, None)
        for document in made.documents(services.staff.context.voice, store.now()):
            await outbox.enqueue_file(STAFF_ID, None, "export", document, built_on=made.erasures)
    pending = await store.fetch_all("SELECT purpose FROM outbox WHERE state = 'pending'")
    assert sorted({r["purpose"] for r in pending}) == ["digest", "export", "partner", "staff"]
    assert traces(services.settings.database, [NAME, FREE_TEXT], LEAVER)

    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM organisations").fetchone()[0] == 1  # holds the snapshot
    await services.survey.press(Visitor(LEAVER), "X:y")  # /delete, confirmed
    # Nothing of it queued any more, in any table, column or outbox payload (the reader still holds the log).
    assert await store.fetch_all("SELECT purpose, payload FROM outbox WHERE state != 'dropped' AND payload != '{}'") \
        == []
    assert await store.fetch_all("SELECT outbox_id FROM outbox_files") == []
    assert [t for t in traces(services.settings.database, [NAME, FREE_TEXT], LEAVER) if "file bytes" not in t] == []
    # The report built before: out of date, and withheld if it is queued all the same.
    assert not await services.digest.current(stale)
    async with store.transaction():
        await services.digest.queue(STAFF_ID, stale, None)
    recorder = Recorder()
    worker = OutboxWorker(store, recorder, services.composers.compose, chat_interval=0.0)
    await worker.drain()
    assert not any(FREE_TEXT in t or NAME in t for t in recorder.texts(STAFF_ID)) and not recorder.sent
    # The log: the reader holds it, the bot keeps trying, and `msobot status` says so.
    status = read_status(services.settings.database, services.settings.backups(), store.now() + timedelta(hours=1))
    assert status.erasure_waiting_since is not None
    assert any("erasure" in line and "waiting" in line for line in status.lines())
    assert any("erasure" in p for p in status.problems)
    reader.execute("ROLLBACK")
    await until_settled(services)
    assert traces(services.settings.database, [NAME, FREE_TEXT], LEAVER) == []  # the file and the log too
    later = read_status(services.settings.database, services.settings.backups(), store.now())
    assert later.erasure_waiting_since is None and not any("erasure" in line for line in later.lines())


async def until_settled(services: Services) -> None:
    """The background retry's end: the note that an erasure waits is gone."""
    for _ in range(400):
        if not await services.store.eraser.waiting():
            return
        await asyncio.sleep(0.025)
    raise TimeoutError("the log was never emptied after the reader let go")


async def test_a_digest_or_export_built_before_a_delete_is_built_again(services: Services,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff asked for /digest and /export; while each was built from its snapshot the association
    deleted its data: what reaches the outbox is built again, without it."""
    store, context = services.store, services.staff.context
    builds: list[str] = []

    def deleting_after(kind: str, build: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        async def built(*args: object, **kwargs: object) -> T:
            made = await build(*args, **kwargs)
            builds.append(kind)
            if builds.count(kind) == 1:
                await services.survey.press(Visitor(LEAVER), "X:y")
            return made
        return built

    for command, kind in (("digest", "digest"), ("export", "export")):
        await leaving(services)
        if kind == "digest":
            monkeypatch.setattr(services.digest, "build", deleting_after(kind, services.digest.build))
        else:
            monkeypatch.setattr(context.offload, "run", deleting_after(kind, context.offload.run))
        await services.staff.command(Visitor(STAFF_ID), STAFF_ID, command)
        await asyncio.gather(*services.staff._background)
        assert builds.count(kind) == 2, builds
        rows = await store.fetch_all("SELECT o.payload, f.content FROM outbox o LEFT JOIN outbox_files f "
                                     "ON f.outbox_id = o.id WHERE o.purpose = ? AND o.state = 'pending'", kind)
        assert rows, kind
        for row in rows:
            assert NAME not in row["payload"] and FREE_TEXT not in row["payload"]
            assert row["content"] is None or NAME.encode() not in row["content"]
