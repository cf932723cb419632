"""The users' data rights and data care: /mydata hands over everything, /delete erases it
(checked in the database and in the file's bytes), unfinished questionnaires expire, and the
logs of a whole run hold neither the bot token nor anything a user typed."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.consent.notice import NOTICE_VERSION
from bot.kernel.i18n import Catalogs
from bot.kernel.logs import PAYLOAD_LOGGERS, Redactor, setup_logging
from bot.kernel.settings import Settings
from bot.privacy.service import PrivacyService
from bot.storage.consents import ConsentStore
from bot.storage.outbox import OutboxStore
from bot.survey.turns import Visitor
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.fakes import Clock
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, running_bot
from tests.test_suggestions import NEEDS_BOOKKEEPING, NEEDS_NOTHING, TZ, open_service, seed
from tests.test_suggestions_e2e import EXPERIENCED, NEEDY, complete

TURKISH = Catalogs().translator("tr").gettext
NAME = "Elternverein Oberbarmen e.V."
PEER_NAME = "Kulturbrücke Balkan e.V."


def rows_mentioning(db_path: Path, user_id: int) -> dict[str, int]:
    """Rows in any table with a column that holds this user's id."""
    found = {}
    with sqlite3.connect(db_path) as db:
        checks = {"users": "id", "submissions": "user_id", "organisations": "created_by",
                  "suggestions": "user_id", "outbox": "user_id", "events": "user_id"}
        for table, column in checks.items():
            found[table] = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,)).fetchone()[0]
        found["introductions"] = db.execute(
            "SELECT COUNT(*) FROM introductions WHERE from_user = ?1 OR to_user = ?1", (user_id,)).fetchone()[0]
        found["peer cards"] = db.execute(
            "SELECT COUNT(*) FROM suggestions WHERE kind = 'peer' AND ref = ?", (str(user_id),)).fetchone()[0]
        found["outbox about"] = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE about_user = ?", (user_id,)).fetchone()[0]
    return {k: v for k, v in found.items() if v}


def file_bytes(db_path: Path) -> bytes:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_mydata_sends_everything_readable_in_the_users_language(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await complete(phone, "tr", NAME, NEEDY)
        await phone.send("/mydata")
    (chat, filename, content, caption), = bot_api.documents
    assert chat == 1001 and filename.endswith(".json") and filename.startswith("mso-assistant-")
    assert caption == TURKISH("Everything MSO Assistant stores about you and your association (JSON file).")
    data = json.loads(content)
    assert data["telegram_user_id"] == 1001 and data["user"]["language"] == "tr"
    submission, = data["submissions"]
    assert submission["organisation"]["name"] == NAME and submission["completed_at"]
    answers = {a["question_id"]: a for a in submission["answers"]}
    assert answers["org_name"]["value"] == NAME
    assert answers["need_bookkeeping"]["value"] == "urgent"
    assert answers["need_bookkeeping"]["question"] == TURKISH(
        "How much support does your association need with bookkeeping and finances?")
    assert answers["need_bookkeeping"]["answer"] == TURKISH("Urgent")
    assert answers["communities"]["value"] == ["turkish"]
    assert {e["kind"] for e in data["events"]} >= {"consent_given", "answer", "submission_completed"}


async def test_mydata_for_a_stranger_says_nothing_is_stored(settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, user_id=1002, language_code="tr", processed=processed)
    async with running_bot(settings, bot_api, processed):
        replies = await phone.send("/mydata")
    assert [m.text for m in replies] == [TURKISH("Nothing is stored about you.")]
    assert bot_api.documents == []


async def test_delete_erases_the_user_everywhere_and_keeps_the_others(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    other = Phone(bot_api, user_id=1003, language_code="de", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await complete(phone, "tr", NAME, NEEDY)
        await complete(other, "de", PEER_NAME, EXPERIENCED)
        await phone.send("/suggestions")
        await phone.send("/delete")
        assert rows_mentioning(settings.database, 1001)  # asked, not yet deleted
        await phone.tap(lambda d: d == "X:n")
        assert phone.last().text == TURKISH("Nothing was deleted.")
        assert rows_mentioning(settings.database, 1001)
        await phone.send("/delete")
        await phone.tap(lambda d: d == "X:y")
        assert phone.last().text == TURKISH("Everything stored about you has been deleted. Send /start if "
                                            "you would like to begin again.")
    assert rows_mentioning(settings.database, 1001) == {}
    assert rows_mentioning(settings.database, 1003).keys() >= {"users", "submissions"}
    with sqlite3.connect(settings.database) as db:
        answers = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        assert db.execute("SELECT name FROM organisations").fetchall() == [(PEER_NAME,)]
    assert answers == db_answer_count(settings.database, 1003) > 0
    content = file_bytes(settings.database)
    assert NAME.encode() not in content  # overwritten, not only unlinked (secure_delete)
    assert PEER_NAME.encode() in content


def db_answer_count(db_path: Path, user_id: int) -> int:
    with sqlite3.connect(db_path) as db:
        return int(db.execute("SELECT COUNT(*) FROM answers a JOIN submissions s ON s.id = a.submission_id "
                              "WHERE s.user_id = ?", (user_id,)).fetchone()[0])


async def test_erased_answers_are_overwritten_in_the_database_file(tmp_path: Path) -> None:
    """Deleting a row only marks its space free; the bytes stay readable in the file unless
    SQLite overwrites them (secure_delete) and the write-ahead log is emptied."""
    path = tmp_path / "db.sqlite3"
    store, survey, _service = await open_service(path, Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ)))
    for user_id in range(1, 21):
        await seed(store, user_id, {**NEEDS_NOTHING, "org_name": f"Verein Nummer {user_id:02d}"})
    await survey.press(Visitor(7, "en"), "X:y")
    await store.close()
    content = file_bytes(path)
    assert b"Verein Nummer 07" not in content
    assert b"Verein Nummer 06" in content and b"Verein Nummer 08" in content


async def test_a_deleted_user_is_withdrawn_from_introductions_and_peer_cards(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    store, survey, service = await open_service(tmp_path / "db.sqlite3", clock)
    asking = {**NEEDS_BOOKKEEPING, "network_msos": "yes"}
    await seed(store, 1, {**asking, "org_name": "Asking e.V.", "peer_contact": "asker@example.org"})
    await seed(store, 2, {**NEEDS_NOTHING, "org_name": "Asked e.V.", "network_msos": "yes",
                          "peer_contact": "+49 202 1234", "strengths": ["bookkeeping"]}, language="de")
    await seed(store, 3, {**asking, "org_name": "Also asking e.V.", "peer_contact": "also@example.org"})
    for user in (1, 3):
        await survey.member(Visitor(user, "en"), service.show)
    peer = await store.fetch_one("SELECT id FROM suggestions WHERE kind = 'peer' AND user_id = 1")
    assert peer is not None
    await survey.press(Visitor(1, "en"), f"G:{peer['id']}:i")  # asks to be introduced to 2
    request = await store.fetch_all("SELECT payload FROM outbox WHERE chat_id = 2 AND state = 'pending'")
    assert any("Asking e.V." in r["payload"] for r in request)

    await survey.press(Visitor(1, "en"), "X:y")  # the asking association deletes its data
    pending = await store.fetch_all("SELECT payload FROM outbox WHERE chat_id = 2 AND state = 'pending'")
    assert not any("Asking e.V." in r["payload"] or "asker@example.org" in r["payload"] for r in pending)
    assert await store.fetch_all("SELECT * FROM introductions") == []
    assert await store.user(2) is not None

    shown = await store.fetch_one("SELECT id FROM suggestions WHERE kind = 'peer' AND user_id = 3 AND ref = '2'")
    assert shown is not None
    await survey.press(Visitor(3, "en"), f"G:{shown['id']}:n")  # "Not for us" on the card of 2
    dismissed = [json.loads(r["data"]) for r in await store.fetch_all(
        "SELECT data FROM events WHERE user_id = 3 AND kind = 'suggestion_dismissed'")]
    assert dismissed == [{"offer": "peer", "suggestion": shown["id"]}]  # by the card, never by 2's Telegram id
    await survey.press(Visitor(2, "de"), "X:y")  # the association offered as a peer deletes its data
    assert await store.fetch_all("SELECT * FROM suggestions WHERE kind = 'peer' AND ref = '2'") == []
    assert await store.user(3) is not None
    await store.close()


async def test_unfinished_questionnaires_expire_and_the_user_starts_afresh(tmp_path: Path) -> None:
    now = datetime(2027, 6, 1, 3, 30, tzinfo=TZ)
    clock = Clock(now - timedelta(days=400))
    store, survey, _service = await open_service(tmp_path / "db.sqlite3", clock)
    privacy = PrivacyService(store, survey.engine, survey.tz, retention_days=365, completed_days=1095)
    outbox = OutboxStore(store)

    async def begin(user_id: int, answered_days_ago: int | None, consent: bool = True) -> None:
        clock.now = now - timedelta(days=400)
        async with store.transaction():
            await store.set_language(user_id, "en")
            if not consent:
                return
            await ConsentStore(store).agree(user_id, NOTICE_VERSION, {})
            submission = await store.create_submission(user_id, "mso-needs", "1")
            await store.set_organisation_name(submission.id, f"Verein {user_id}")
        if answered_days_ago is not None:
            clock.now = now - timedelta(days=answered_days_ago)
            async with store.transaction():
                await store.save_answer(submission.id, "org_name", f"Verein {user_id}")

    await begin(1, answered_days_ago=380)  # untouched for 380 days: goes
    await begin(2, answered_days_ago=10)  # started long ago, answered lately: stays
    await begin(3, answered_days_ago=None)  # started 400 days ago, never answered: goes
    await begin(4, answered_days_ago=None, consent=False)  # chose a language, never agreed: goes
    await seed(store, 5, NEEDS_NOTHING)  # completed 400 days ago: the office's data, stays
    clock.now = now - timedelta(days=40)
    async with store.transaction():
        sent = await outbox.enqueue(5, 5, "reply", {"type": "screen", "screen": {"text": "Verein 5 card"}})
        await outbox.enqueue(5, 5, "reminder", {"type": "reminder", "workshop": "w"},
                             not_before=now + timedelta(days=1))
        assert sent is not None
        await outbox.mark_sent(sent)
    clock.now = now

    purged = await privacy.purge()

    assert purged.submissions == 2 and purged.messages == 1
    users = [r["id"] for r in await store.fetch_all("SELECT id FROM users ORDER BY id")]
    assert users == [1, 2, 3, 5]  # users 1 and 3 keep their language and consent, nothing else
    submissions = [r["user_id"] for r in await store.fetch_all("SELECT user_id FROM submissions ORDER BY id")]
    assert submissions == [2, 5]
    names = {r["name"] for r in await store.fetch_all("SELECT name FROM organisations")}
    assert names == {"Verein 2", NEEDS_NOTHING["org_name"]}
    payloads = [r["payload"] for r in await store.fetch_all("SELECT payload FROM outbox ORDER BY id")]
    assert payloads[0] == "{}" and "reminder" in payloads[1]
    assert (await privacy.purge()).submissions == 0  # the daily job repeats harmlessly

    outcome = await survey.start(Visitor(1, "en"))  # back after the purge: a fresh questionnaire
    assert outcome.messages[-1].prompt and "What is the name of your association?" in outcome.messages[-1].text
    await store.close()


def test_purge_command_and_the_daily_job(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MSOBOT_DATABASE", str(tmp_path / "cli.sqlite3"))
    monkeypatch.setenv("MSOBOT_RETENTION_DAYS", "30")
    assert main(["purge"]) == 0
    assert "older than 30 days deleted" in capsys.readouterr().err


async def test_the_retention_job_is_scheduled_daily(settings: Settings, bot_api: StubBotAPI) -> None:
    async with running_bot(settings, bot_api) as application:
        assert application.job_queue is not None
        names = {job.name for job in application.job_queue.jobs()}
    assert {"retention-purge", "retention-purge-at-start"} <= names


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Logging as `msobot run` sets it up, at the most talkative level, into a buffer."""
    buffer = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    setup_logging(logging.DEBUG, ["123456:TEST-TOKEN"], buffer)
    yield buffer
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


async def test_logs_of_a_whole_run_hold_no_token_and_no_answers(
        settings: Settings, bot_api: StubBotAPI, log_output: io.StringIO) -> None:
    processed = Processed()
    phone = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    secret_answer = "Geheimer Vereinsname 4711"
    async with running_bot(settings, bot_api, processed):
        await complete(phone, "tr", secret_answer, {**NEEDY, "comments": "Unser Kassenwart heißt Ahmet"})
        bot_api.faults["sendMessage"] = [(400, {"ok": False, "error_code": 400,
                                                "description": "Bad Request: unexpected"})]
        await phone.send("/help")  # a refused reply: an error with its traceback is logged
        await phone.send("/mydata")
    output = log_output.getvalue()
    assert "error while handling an update" in output and "Traceback" in output  # the log is really written
    assert "DEBUG" in output  # our own debug lines pass; only payload-carrying loggers are held back
    for secret in ("TEST-TOKEN", secret_answer, "Ahmet", "Kassenwart"):
        assert secret not in output, secret


def test_redactor_blanks_the_token_in_messages_and_tracebacks() -> None:
    token = "987654:SECRET-abc"
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(Redactor([token]))
    log = logging.getLogger("tests.redactor")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise ConnectionError(f"failed: https://api.telegram.org/bot{token}/sendMessage")
        except ConnectionError:  # an OSError: its message is the library's, kept but redacted
            log.exception("request failed")
        typed = "Ah" + "met --1990"  # what a user typed (not in this source line, which a traceback shows)
        try:
            raise ValueError(f"invalid literal for int(): {typed!r} ({token})")
        except ValueError:  # may quote what a user typed: withheld
            log.exception("parsing failed")
    finally:
        log.removeHandler(handler)
    output: Any = buffer.getvalue()
    assert token not in output and output.count("[redacted]") == 2
    assert "Ahmet" not in output and "ValueError: [message withheld: it may hold user text]" in output
