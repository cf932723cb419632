"""The staff side over the real Application and the stub Bot API: permissions for every staff
command, `/workshop` from the first question to the push it triggers, `/export` read back
cell by cell, `/digest` with its chart, and the weekly digest sent once across a restart."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sqlite3
import sys
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bench.dataset import city
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.offload import Offload
from bot.kernel.routes import STAFF_COMMANDS
from bot.kernel.settings import WEEKDAYS, Settings
from bot.kernel.text import isolated
from bot.staff.reports import FAILED
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, digest_delivered, running_bot
from tests.test_suggestions_e2e import NEEDY, complete, import_catalog, write_catalog

BERLIN = ZoneInfo("Europe/Berlin")
STAFF_ID = 501
DE = Catalogs(domain=STAFF_DOMAIN).translator("de")


def staff_settings(settings: Settings, **more: object) -> Settings:
    return settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": "", **more})


async def test_every_staff_command_refuses_others_politely_and_leaks_nothing(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings = staff_settings(settings)
    processed = Processed()
    stranger = Phone(bot_api, user_id=777, language_code="tr", processed=processed)
    refusal = Catalogs().translator("tr").gettext(
        "Sorry, this command is only for the staff of the integration office.")
    async with running_bot(settings, bot_api, processed):
        for command in STAFF_COMMANDS:
            replies = await stranger.send(f"/{command}")
            assert [m.text for m in replies] == [refusal], command
        # a forged staff button is refused the same way
        await stranger.send("/start")
        await stranger.press("Z:save:yes", message=stranger.last(), expect=stranger.answers_callback())
    assert not bot_api.documents and not bot_api.photos
    assert all(m.text == refusal or "Wuppertal" in m.text for m in stranger.bot_messages())
    with sqlite3.connect(settings.database) as db:
        logged = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'staff_refused'").fetchone()[0]
        flows = db.execute("SELECT COUNT(*) FROM staff_flows").fetchone()[0]
    assert logged == len(STAFF_COMMANDS) + 1 and flows == 0


async def test_workshop_conversation_adds_it_and_reaches_the_association_it_fits(
        settings: Settings, bot_api: StubBotAPI, tmp_path: Path) -> None:
    settings = staff_settings(settings)
    await import_catalog(settings, write_catalog(tmp_path / "catalog.yaml", []))
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    start = (datetime.now(BERLIN) + timedelta(days=20)).replace(hour=18, minute=0, second=0, microsecond=0)
    async with running_bot(settings, bot_api, processed):
        await digest_delivered(settings)
        await complete(needy, "tr", "Elternverein Oberbarmen e.V.", NEEDY)

        await staff.send("/workshop")
        assert DE.gettext("New workshop (1/11). What is its title, in German?") in staff.last().text
        await staff.send("Kassenbuch für Vereine")
        await staff.tap(lambda d: d == "Z:topic:bookkeeping")
        await staff.tap(lambda d: d == "Z:topics:done")
        replies = await staff.send("gestern 18 Uhr")  # not a date: asked again, nothing lost
        assert any(m.text.startswith("⚠️") for m in replies)  # (the week's digest may arrive meanwhile)
        await staff.send(start.strftime("%d.%m.%Y %H:%M"))
        replies = await staff.send("17:00")  # before the start
        assert any(DE.gettext("The end must be after the start.") in m.text for m in replies)
        await staff.send("21:00")
        await staff.tap(lambda d: d == "Z:place:barmen")
        await staff.send("Werth 1, 42275 Wuppertal")
        await staff.tap(lambda d: d == "Z:language:tr")
        await staff.tap(lambda d: d == "Z:language:de")
        await staff.tap(lambda d: d == "Z:languages:done")
        await staff.tap(lambda d: d == "Z:provider:paritaet")
        await staff.send("kasse@example.org")
        await staff.send("15")
        await staff.tap(lambda d: d == "Z:cost:free")
        preview = staff.last().text
        assert "📌 \u2068Kassenbuch für Vereine\u2069" in preview and "Werth 1, 42275 Wuppertal (Barmen)" in preview
        assert "Der Paritätische Wuppertal" in preview and "kasse@example.org" in preview
        assert DE.gettext("Free of charge") in preview

        since = len(bot_api.calls)
        await staff.tap(lambda d: d == "Z:save:yes")
        saved = DE.ngettext("Saved. {count} association it fits will get a message.",
                            "Saved. {count} associations it fits will get a message.", 1).format(count=1)
        await bot_api.wait_for(staff.says(saved), since=since)
        await bot_api.wait_for(needy.says("Kassenbuch für Vereine"), since=since)
    with sqlite3.connect(settings.database) as db:
        rows = db.execute("SELECT id, source FROM workshops").fetchall()
        flows = db.execute("SELECT COUNT(*) FROM staff_flows").fetchone()[0]
    assert len(rows) == 1 and rows[0][1] == "chat" and rows[0][0].startswith("w") and flows == 0


async def test_cancel_leaves_the_catalog_untouched(settings: Settings, bot_api: StubBotAPI, tmp_path: Path) -> None:
    settings = staff_settings(settings)
    await import_catalog(settings, write_catalog(tmp_path / "catalog.yaml", []))
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await digest_delivered(settings)
        await staff.send("/workshop")
        await staff.send("Ein Titel")
        await staff.tap(lambda d: d == "Z:cancel:x")
        assert staff.last().text == DE.gettext("Cancelled. Nothing was saved or sent.")
        await staff.send("noch ein Text")  # no flow any more: the survey answers, not the flow
    with sqlite3.connect(settings.database) as db:
        assert db.execute("SELECT COUNT(*) FROM workshops").fetchone()[0] == 0


async def test_export_files_read_back_cell_by_cell(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = staff_settings(settings)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    plan = {**NEEDY, "comments": "=HYPERLINK(\"http://evil\")", "professional_orgs": ["welfare", "vhs"]}
    async with running_bot(settings, bot_api, processed):
        await complete(needy, "tr", "Elternverein Oberbarmen e.V.", plan)
        since = len(bot_api.calls)
        await staff.send("/export")
        await bot_api.wait_for(lambda c: c.method == "sendDocument" and c.params.get("document") is not None
                               and str(getattr(c.params["document"], "filename", "")).endswith(".xlsx"), since=since)
    files = {name.rsplit(".", 1)[1]: content for chat, name, content, _c in bot_api.documents if chat == STAFF_ID}
    assert set(files) == {"csv", "xlsx"}
    with sqlite3.connect(settings.database) as db:  # sent, the files are gone from the database
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE purpose = 'export' AND state = 'sent'").fetchone() == (2,)
        assert db.execute("SELECT COUNT(*) FROM outbox_files").fetchone() == (0,)
    sheet = load_workbook(io.BytesIO(files["xlsx"])).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert header[:6] == ["Einsendung", "Fragebogenversion", "Sprache", "Begonnen", "Abgeschlossen", "Organisation"]
    cells = dict(zip(header, row, strict=True))
    assert cells["Einsendung"] == "1" and cells["Sprache"] == "tr" and cells["Abgeschlossen"]
    assert cells["Organisation"] == "Elternverein Oberbarmen e.V."
    assert cells["Wie viel Unterstützung braucht Ihr Verein bei Buchhaltung und Finanzen?"] == "Dringend"
    orgs = next(k for k in header if k and k.startswith("Mit welchen Einrichtungen"))
    assert cells[orgs] == "Wohlfahrtsverbände (AWO, Caritas, Diakonie, DRK, Paritätischer); Volkshochschule (VHS)"
    comments = next(k for k in header if k and k.startswith("Möchten Sie dem Integrationsbüro"))
    assert cells[comments] == "=HYPERLINK(\"http://evil\")"  # kept as text ...
    assert sheet.cell(row=2, column=header.index(comments) + 1).data_type == "s"  # ... never a formula
    csv_text = files["csv"].decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Einsendung,Fragebogenversion,Sprache")
    csv_row = next(csv.reader(io.StringIO(csv_text.splitlines()[1])))
    assert csv_row[header.index(comments)] == "'=HYPERLINK(\"http://evil\")"  # never a formula in Excel either


async def test_the_list_of_associations_comes_a_page_at_a_time(settings: Settings, bot_api: StubBotAPI) -> None:
    """85 associations: three messages of at most 40, each with a button for the next, the
    newest activity first; never 85 lines at once (at city scale that would be hundreds of
    messages)."""
    settings = staff_settings(settings)
    await city(settings, 85, 1700, 10, 7)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)

    def numbers(text: str) -> list[int]:
        return [int(line.split(".", 1)[0]) for line in text.splitlines()[1:] if line.split(".", 1)[0].isdigit()]

    async with running_bot(settings, bot_api, processed):
        await digest_delivered(settings)
        await staff.send("/msos")
        first = staff.last()
        assert first.text.splitlines()[0] == DE.gettext("Associations ({count})").format(count=85)
        assert numbers(first.text) == list(range(1, 41))
        assert [b["text"] for b in first.buttons()] == [DE.gettext("More ({page} of {pages})").format(page=2, pages=3)]
        await staff.tap(lambda data: data.endswith(":2"), first)
        second = staff.last()
        assert numbers(second.text) == list(range(41, 81)) and len(second.buttons()) == 1
        await staff.tap(lambda data: data.endswith(":3"), second)
        third = staff.last()
        assert numbers(third.text) == list(range(81, 86)) and third.buttons() == []
    with sqlite3.connect(settings.database) as db:
        newest = db.execute("SELECT o.name FROM submissions s LEFT JOIN organisations o ON o.id = s.organisation_id "
                            "LEFT JOIN answers a ON a.submission_id = s.id GROUP BY s.id "
                            "ORDER BY COALESCE(MAX(a.answered_at), s.started_at) DESC, s.id DESC LIMIT 1").fetchone()[0]
    assert newest and first.text.splitlines()[1].startswith(f"1. {isolated(newest)} (")


async def test_an_export_that_fails_says_so_and_the_next_one_arrives(
        settings: Settings, bot_api: StubBotAPI, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The export's process died (out of memory, killed): staff hear that it failed instead of
    waiting for files that never come, and asking again works."""
    settings = staff_settings(settings)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    real_run = Offload.run
    failures = [BrokenProcessPool("the export's process was killed")]

    async def dying(self: Offload, job: Any, *args: Any) -> Any:
        if failures:
            raise failures.pop()
        return await real_run(self, job, *args)

    monkeypatch.setattr(Offload, "run", dying)
    async with running_bot(settings, bot_api, processed):
        await staff.send("/export")
        await bot_api.wait_for(staff.says(DE.gettext(FAILED)))
        since = len(bot_api.calls)
        await staff.send("/export")
        await bot_api.wait_for(lambda c: c.method == "sendDocument", since=since)
    assert [r.getMessage() for r in caplog.records if r.levelno >= 40] == ["the export failed"]


async def test_digest_on_demand_and_the_weekly_one_once_across_a_restart(
        settings: Settings, bot_api: StubBotAPI) -> None:
    now = datetime.now(BERLIN) - timedelta(minutes=2)
    settings = staff_settings(settings, digest_time=f"{WEEKDAYS[now.weekday()]} {now:%H:%M}")
    weekly = DE.gettext("Weekly digest of MSO Assistant")
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)

    def weekly_digests() -> int:
        return sum(1 for m in staff.bot_messages() if m.text.startswith("📊 " + weekly))

    async with running_bot(settings, bot_api, processed):
        # the scheduled time passed while the bot was down: the catch-up sends it
        await bot_api.wait_for(staff.says("📊 " + weekly))
        await bot_api.wait_for(lambda c: c.method == "sendPhoto")
        since = len(bot_api.calls)
        await staff.send("/digest")
        await bot_api.wait_for(staff.says("📊 " + DE.gettext("Digest of the last seven days")), since=since)
        await bot_api.wait_for(lambda c: c.method == "sendPhoto", since=since)
    async with running_bot(settings, bot_api, processed) as application:  # restarted after the scheduled time
        digest = application.bot_data["services"].digest
        checked: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        send_due = digest.send_due

        async def watched() -> bool:
            queued = await send_due()
            if not checked.done():
                checked.set_result(queued)
            return queued

        digest.send_due = watched
        await staff.send("/stats")
        assert application.job_queue is not None
        if application.job_queue.get_jobs_by_name("digest-catch-up"):  # it runs a second after the start
            assert await asyncio.wait_for(checked, 10) is False  # it ran and found the digest sent
        pending = await digest.store.fetch_all("SELECT id FROM outbox WHERE purpose = 'digest' AND state != 'sent'")
        assert pending == []
    assert weekly_digests() == 1
    charts = [content for chat, _name, content in bot_api.photos if chat == STAFF_ID]
    assert len(charts) == 2 and all(c.startswith(b"\x89PNG") for c in charts)


async def test_broadcast_previews_then_reaches_only_the_chosen_need(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = staff_settings(settings)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    other = Phone(bot_api, user_id=1002, language_code="de", processed=processed)
    heading = Catalogs().translator("tr").gettext("A message from the integration office of the City of Wuppertal:")
    async with running_bot(settings, bot_api, processed):
        await digest_delivered(settings)
        await complete(needy, "tr", "Elternverein Oberbarmen e.V.", NEEDY)
        await complete(other, "de", "Sportverein", {**NEEDY, "need_bookkeeping": "some"})
        await staff.send("/broadcast")
        await staff.tap(lambda d: d == "Z:aud:bookkeeping")
        await staff.send("Am 5. Dezember gibt es eine offene Sprechstunde zur Kassenführung.")
        preview = staff.last()
        assert "Am 5. Dezember" in preview.text and "1 Verein" in preview.text
        since = len(bot_api.calls)
        await staff.tap(lambda d: d == "Z:send:yes", message=preview)
        await bot_api.wait_for(needy.says("Am 5. Dezember"), since=since)
    received = [m.text for m in needy.bot_messages() if "Am 5. Dezember" in m.text]
    assert received == [f"📣 {heading}\n\nAm 5. Dezember gibt es eine offene Sprechstunde zur Kassenführung."]
    assert not any("Am 5. Dezember" in m.text for m in other.bot_messages())


async def test_msobot_digest_send_delivers_to_every_staff_chat(settings: Settings, bot_api: StubBotAPI) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_DATABASE=str(settings.database), MSOBOT_TELEGRAM_TOKEN=bot_api.token,
               MSOBOT_TELEGRAM_API_URL=bot_api.url, MSOBOT_STAFF_IDS=f"{STAFF_ID},502",
               MSOBOT_STAFF_CHAT_ID="-100300")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "digest", "--send", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    texts = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert sorted(int(c.params["chat_id"]) for c in texts) == [-100300, STAFF_ID, 502]
    assert all(str(c.params["text"]).startswith("📊 " + DE.gettext("Weekly digest of MSO Assistant")) for c in texts)
    assert sorted(chat for chat, _n, _c in bot_api.photos) == [-100300, STAFF_ID, 502]


async def test_report_arrives_as_a_pdf_without_the_association_in_it(settings: Settings, bot_api: StubBotAPI) -> None:
    from pypdf import PdfReader

    settings = staff_settings(settings)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await digest_delivered(settings)
        await complete(needy, "tr", "Elternverein Oberbarmen e.V.", NEEDY)
        since = len(bot_api.calls)
        await staff.send("/report")
        assert staff.last().text == DE.gettext("The report is being prepared; the PDF follows in a moment.")
        await bot_api.wait_for(lambda c: c.method == "sendDocument" and c.params.get("document") is not None
                               and str(getattr(c.params["document"], "filename", "")).endswith(".pdf"), since=since)
    [pdf] = [content for chat, name, content, _c in bot_api.documents if chat == STAFF_ID and name.endswith(".pdf")]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Der Bedarf der Migrantenselbstorganisationen in Wuppertal" in " ".join(text.split())
    assert "Zusammenfassung für den Rat" in text
    assert "Elternverein" not in text and "Oberbarmen e.V." not in text  # one association: nothing of it shows
