"""The monthly partner digest (issue 19, item 6): due on the first working day of the month at the
weekly digest's time, claimed once in the database across a restart, with the needs as `/needs`
counts them (nothing below three), the open contact requests, the interest in the partner's
workshops and the uncovered needs in its topics; never to a revoked contact."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.catalog.importer import SAMPLE
from bot.catalog.model import Partner, Workshop
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from bot.outbox import OutboxWorker
from bot.partners.monthly import last_monthly
from bot.services import Services, open_services
from bot.storage.catalog import CatalogStore
from bot.storage.partner_digests import FigureStore, PartnerDigestStore
from bot.storage.partners import PartnerStore
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.fakes import Clock, Recorder
from tests.helpers.running import running_bot
from tests.test_suggestions_e2e import import_catalog

BERLIN = ZoneInfo("Europe/Berlin")
EIGHT = time(8, 0)
MAY_3 = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)  # Monday 3 May 2027, 08:00 in Berlin: the 1st is a Saturday
APRIL_1 = datetime(2027, 4, 1, 6, 0, tzinfo=UTC)  # Thursday
DE = Catalogs(domain=STAFF_DOMAIN).translator("de")
EN = Catalogs(domain=STAFF_DOMAIN).translator("en")
MAIN_DE = Catalogs().translator("de")
AWO, CARITAS = "AWO Wuppertal", "Caritas Wuppertal"
ANNA, BEN, CARLA, ROLF = 7001, 7002, 7003, 7004  # AWO (de), AWO (en), Caritas, AWO (revoked)


def test_the_digest_is_due_on_the_first_working_day_at_the_digest_time() -> None:
    assert last_monthly(MAY_3, BERLIN, EIGHT) == MAY_3
    assert last_monthly(MAY_3 - timedelta(seconds=1), BERLIN, EIGHT) == APRIL_1  # Monday 07:59: April's
    assert last_monthly(datetime(2027, 5, 2, 12, 0, tzinfo=UTC), BERLIN, EIGHT) == APRIL_1  # the weekend
    assert last_monthly(datetime(2027, 5, 31, tzinfo=UTC), BERLIN, EIGHT) == MAY_3
    # Winter time, and the year before: 1 January 2027 is a Friday (the holiday is not looked at)
    assert last_monthly(datetime(2027, 1, 1, 7, 0, tzinfo=UTC), BERLIN, EIGHT) == datetime(2027, 1, 1, 7, 0, tzinfo=UTC)
    assert last_monthly(datetime(2027, 1, 1, 6, 59, tzinfo=UTC), BERLIN, EIGHT) == datetime(2026, 12, 1, 7, 0,
                                                                                          tzinfo=UTC)
    # 1 August 2026 is a Saturday: Monday the 3rd
    assert last_monthly(datetime(2026, 8, 20, tzinfo=UTC), BERLIN, EIGHT) == datetime(2026, 8, 3, 6, 0, tzinfo=UTC)


def partner(id_: str, name: str, topics: list[str]) -> Partner:
    return Partner.model_validate({"id": id_, "name": name, "kind": "welfare", "topics": topics, "languages": ["de"],
                                   "contact": {"email": f"{id_}@example.org"}})


def workshop(id_: str, provider: str, topic: str, start: datetime, title: dict[str, str]) -> Workshop:
    return Workshop.model_validate({
        "id": id_, "title": title, "topics": [topic], "languages": ["de"], "start": start,
        "end": start + timedelta(hours=2), "online": True, "provider": provider,
        "registration": {"link": "https://example.org/x"}})


async def seed(services: Services) -> None:
    """AWO works on funding, volunteers and organising; Caritas on funding and projects.
    Associations, all agreeing to sharing: funding urgent three times, big three times (six need
    it: shown as 5, its levels 5 and 5, uncovered with 10); volunteers urgent (one: "fewer than
    3"); organising big twice (uncovered, but not published); volunteers has an AWO workshop in two
    weeks (covered); rooms is uncovered too, but neither partner's topic."""
    store = services.store
    async with store.transaction():
        catalog = CatalogStore(store)
        await catalog.upsert_partners([partner("awo", AWO, ["funding", "volunteers", "organising"]),
                                       partner("caritas", CARITAS, ["funding", "projects"])], sample=False)
        await catalog.upsert_workshops([
            workshop("awo-ehrenamt", "awo", "volunteers", MAY_3 + timedelta(days=14),
                     {"de": "Ehrenamtliche gewinnen", "en": "Finding volunteers"}),
            workshop("awo-frueher", "awo", "organising", datetime(2027, 4, 20, 16, 0, tzinfo=UTC),
                     {"de": "Vergangener Kurs"}),
            workshop("caritas-projekt", "caritas", "projects", MAY_3 + timedelta(days=7), {"de": "Projektideen"})],
            sample=False)
        old, recent = datetime(2027, 3, 1, 10, 0, tzinfo=UTC), datetime(2027, 4, 28, 10, 0, tzinfo=UTC)
        for user_id, completed, needs in [
                (1, old, {"need_funding": "urgent", "need_volunteers": "urgent", "need_organising": "big"}),
                (2, old, {"need_funding": "big", "need_organising": "big", "need_rooms": "urgent"}),
                (3, old, {"need_funding": "big", "need_rooms": "big"}),
                (4, recent, {"need_funding": "big"}), (5, old, {"need_funding": "urgent"}),
                (6, recent, {"need_funding": "urgent"})]:
            answers = {**needs, "district": "barmen"}
            await store.db.modify("INSERT INTO users (id, language, consent_at, created_at, sharing) "
                                  "VALUES (?, 'tr', ?, ?, 1)",
                                  (user_id, old.isoformat(), old.isoformat()))
            made = await store.db.modify(
                "INSERT INTO submissions (user_id, questionnaire_id, questionnaire_version, started_at, completed_at) "
                "VALUES (?, 'mso-needs', '1', ?, ?)", (user_id, old.isoformat(), completed.isoformat()))
            for question, value in answers.items():
                await store.db.modify("INSERT INTO answers (submission_id, question_id, value, answered_at) "
                                      "VALUES (?, ?, ?, ?)", (made.lastrowid, question, json.dumps(value),
                                                              completed.isoformat()))
            await services.suggestions.index.update(user_id, int(made.lastrowid or 0), answers)
        for user_id, state in [(1, "interested"), (2, "interested"), (3, "dismissed")]:
            await store.db.modify(
                "INSERT INTO suggestions (user_id, kind, ref, score, reasons, state, created_at, updated_at) "
                "VALUES (?, 'workshop', 'awo-ehrenamt', 1, '[]', ?, ?, ?)",
                (user_id, state, recent.isoformat(), recent.isoformat()))
        for user_id, partner_id, state, created in [
                (1, "awo", "pending", datetime(2027, 4, 10, tzinfo=UTC)),  # waiting for more than a week
                (2, "awo", "pending", datetime(2027, 4, 30, tzinfo=UTC)),
                (3, "awo", "accepted", datetime(2027, 4, 12, tzinfo=UTC)),
                (1, "caritas", "pending", datetime(2027, 4, 30, tzinfo=UTC))]:
            await store.db.modify(
                "INSERT INTO contact_requests (user_id, submission_id, partner_id, topics, state, created_at) "
                "VALUES (?, ?, ?, '[\"funding\"]', ?, ?)", (user_id, user_id, partner_id, state, created.isoformat()))
        contacts = PartnerStore(store)
        for contact_id, partner_id, name, language in [(ANNA, "awo", "Anna", "de"), (BEN, "awo", "Ben", "en"),
                                                        (CARLA, "caritas", "Carla", "de"), (ROLF, "awo", "Rolf", "de")]:
            await contacts.add_contact(contact_id, partner_id, name, language)
        await contacts.revoke(ROLF)


def digests(texts: list[str], title: str) -> list[str]:
    return [t for t in texts if t.startswith("📆 " + title.split("{partner}")[0])]


async def test_the_monthly_digest_goes_out_once_on_the_first_working_day_across_a_restart(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(datetime(2027, 5, 2, 12, 0, tzinfo=UTC))  # Sunday; April's went out on the 1st
    services = await open_services(settings)
    try:
        services.store.clock = clock
        await seed(services)
        monthly = services.partners.monthly
        async with services.store.transaction():
            await services.store.db.modify("INSERT INTO partner_digests (due_at, claimed_at, recipients) "
                                           "VALUES (?, ?, 3)", (APRIL_1.isoformat(), APRIL_1.isoformat()))
            await FigureStore(services.store).add(APRIL_1.isoformat(), "monthly", {"funding": {"topic": "funding",
                                                                                               "total": 5}})
        assert not await monthly.send_due()  # Sunday 2 May: nothing due (the 1st was a Saturday)
        clock.now = MAY_3 - timedelta(minutes=1)
        assert not await monthly.send_due()  # Monday 07:59
        clock.now = MAY_3 + timedelta(seconds=20)
        assert await monthly.send_due()
    finally:
        await services.close()  # the process stops before anything was delivered

    again = await open_services(settings)
    try:
        again.store.clock = Clock(MAY_3 + timedelta(minutes=1))
        assert not await again.partners.monthly.send_due()  # claimed by the first process

        async def not_yet(_self: PartnerDigestStore, _due_at: str) -> bool:
            return False

        # One that looked just before the first process committed: its claim in the database loses.
        with monkeypatch.context() as patched:
            patched.setattr(PartnerDigestStore, "claimed", not_yet)
            assert not await again.partners.monthly.send_due()
        async with again.store.transaction():  # Caritas' contact loses access with the digest still queued
            assert await PartnerStore(again.store).revoke(CARLA)
        phone = Recorder()
        await OutboxWorker(again.store, phone, again.composers.compose, chat_interval=0.0, rate=1000.0).drain()
        assert not await again.partners.monthly.send_due()
    finally:
        await again.close()

    title = DE.gettext("Monthly digest for “{partner}”: {month}")
    anna = digests(phone.texts(ANNA), title)
    assert len(anna) == 1
    text = anna[0]
    assert text.startswith("📆 " + title.format(partner=AWO, month="Mai 2027"))
    blocks = text.split("\n\n")
    funding = next(b for b in blocks if b.startswith("▪ " + MAIN_DE.gettext("Funding applications")))
    assert DE.gettext("{count} associations").format(count="5") in funding  # six, rounded to 5
    assert DE.gettext("({change} since last month)").format(change="±0") in funding  # April published 5 too
    assert DE.gettext("How much help: {levels}").format(levels="Viel 5, Dringend 5") in funding
    volunteers = next(b for b in blocks if b.startswith("▪ " + MAIN_DE.gettext("Finding and keeping volunteers")))
    assert DE.gettext("{count} associations").format(count=DE.gettext("fewer than 3")) in volunteers  # suppressed
    assert DE.gettext("Open: {count}, of them waiting for more than seven days: {waiting}").format(
        count="2", waiting="1") in text
    assert "\u2068Ehrenamtliche gewinnen\u2069: " + DE.ngettext("{count} association interested",
                                                     "{count} associations interested", 2).format(count="2") in text
    assert "Vergangener Kurs" not in text and "Projektideen" not in text  # past, and not AWO's
    rate = "{topic}: {count} associations rate the need big or urgent"
    uncovered = text.split(DE.gettext("Uncovered needs in your topics: no workshop in the next eight weeks"))[1]
    assert DE.gettext(rate).format(topic=MAIN_DE.gettext("Funding applications"), count="10") in uncovered
    assert MAIN_DE.gettext("Organising association work") not in uncovered  # two: not published
    assert MAIN_DE.gettext("Finding and keeping volunteers") not in uncovered  # AWO's workshop covers it
    assert MAIN_DE.gettext("Rooms and premises") not in text  # uncovered, but not AWO's topic
    assert "Barmen" in text and "1001" not in text

    ben = digests(phone.texts(BEN), EN.gettext("Monthly digest for “{partner}”: {month}"))
    assert len(ben) == 1 and ben[0].startswith(f"📆 Monthly digest for “{AWO}”: May 2027")
    assert "\u2068Finding volunteers\u2069: 2 associations interested" in ben[0]
    assert phone.texts(CARLA) == [] and phone.texts(ROLF) == []  # revoked after queuing, and before
    with sqlite3.connect(settings.database) as db:
        rows = db.execute("SELECT chat_id, user_id, state FROM outbox WHERE purpose = 'partner' ORDER BY chat_id")
        queued = rows.fetchall()
        claims = db.execute("SELECT due_at, recipients FROM partner_digests ORDER BY due_at").fetchall()
    assert queued == [(ANNA, None, "sent"), (BEN, None, "sent"), (CARLA, None, "dropped")]
    assert claims == [(APRIL_1.isoformat(), 3), (MAY_3.isoformat(), 3)]


async def test_the_running_bot_sends_the_due_digest_once_across_a_restart(settings: Settings,
                                                                           bot_api: StubBotAPI) -> None:
    """Over the real Application and its job queue, at today's date: a bot that was down on the
    first working day sends the digest when it starts, and a restart sends nothing again."""
    await import_catalog(settings, SAMPLE)
    services = await open_services(settings)
    try:
        async with services.store.transaction():
            contacts = PartnerStore(services.store)
            await contacts.add_contact(ANNA, "awo", "Anna", "de")
            await contacts.add_contact(ROLF, "awo", "Rolf", "de")
            await contacts.revoke(ROLF)
    finally:
        await services.close()
    title = DE.gettext("Monthly digest for “{partner}”: {month}").split("{partner}")[0]

    def sent_to(chat_id: int) -> list[str]:
        return [str(c.params["text"]) for c in bot_api.calls
                if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]

    async with running_bot(settings, bot_api):
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ANNA
                               and str(c.params["text"]).startswith("📆 " + title))
    async with running_bot(settings, bot_api) as application:
        monthly = application.bot_data["services"].partners.monthly
        checked: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        send_due = monthly.send_due

        async def watched() -> bool:
            queued = await send_due()
            if not checked.done():
                checked.set_result(queued)
            return queued

        monthly.send_due = watched
        assert application.job_queue is not None
        if application.job_queue.get_jobs_by_name("partner-digest-catch-up"):  # it runs two seconds after the start
            assert await asyncio.wait_for(checked, 10) is False  # it ran and found the digest queued before
    assert len([t for t in sent_to(ANNA) if t.startswith("📆 " + title)]) == 1
    assert sent_to(ROLF) == []
    with sqlite3.connect(settings.database) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (ROLF,)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM partner_digests").fetchone()[0] == 1
