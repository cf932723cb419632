"""The weekly digest on a seeded database: counts and trends computed by hand below, the
German text, clean splitting below Telegram's limit, the chart, and "exactly once" across a
restart around the scheduled time and after downtime."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.catalog.model import Partner, Workshop
from bot.digest.figures import FigureSource
from bot.digest.render import TOP_PARTNERS, messages, sections
from bot.digest.service import DigestService, last_occurrence
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.outbox import OutboxWorker, Parcel
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import StaffVoice
from bot.storage import Store, connect
from bot.storage.catalog import CatalogStore
from tests.helpers.fakes import Clock, Recorder

TZ = ZoneInfo("Europe/Berlin")
ENGINE = Engine(load())
MONDAY_8 = (0, time(8, 0))
END = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 08:00 in Berlin
START = END - timedelta(days=7)
STAFF = [501, -100200]  # a staff member and the staff group


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)




def voice(language: str = "de") -> StaffVoice:
    staff = Catalogs(domain=STAFF_DOMAIN).translator(language)
    return StaffVoice(staff, Catalogs().translator(language), ENGINE, TZ)


async def seed_user(store: Store, user_id: int, language: str, started: datetime, completed: datetime | None,
                    answers: dict[str, tuple[Any, datetime]]) -> None:
    db = store.db
    await db.execute("INSERT INTO users (id, language, consent_at, created_at) VALUES (?, ?, ?, ?)",
                     (user_id, language, started.isoformat(), started.isoformat()))
    cursor = await db.execute(
        "INSERT INTO submissions (user_id, questionnaire_id, questionnaire_version, started_at, completed_at) "
        "VALUES (?, 'mso-needs', '1', ?, ?)",
        (user_id, started.isoformat(), completed.isoformat() if completed else None))
    for question, (value, when) in answers.items():
        await db.execute("INSERT INTO answers (submission_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)",
                         (cursor.lastrowid, question, json.dumps(value), when.isoformat()))


def workshop(id_: str, topic: str, start: datetime) -> Workshop:
    return Workshop.model_validate({
        "id": id_, "title": {"de": f"Kurs {id_}"}, "topics": [topic], "languages": ["de"], "start": start,
        "end": start + timedelta(hours=2), "online": True, "provider": "vhs", "capacity": 12,
        "registration": {"link": "https://example.org/x"}})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(await connect(tmp_path / "digest.sqlite3"), clock=Clock(END + timedelta(minutes=1)))
    await store.db.execute("BEGIN")
    # 1: completed long ago; bookkeeping urgent, PR big -> counts before and now
    await seed_user(store, 1, "tr", at(1), at(5), {
        "need_bookkeeping": ("urgent", at(2)), "need_pr": ("big", at(2))})
    # 2: new this week, completed this week; bookkeeping big, rooms urgent; two free texts
    await seed_user(store, 2, "ar", at(17), at(18), {
        "org_name": ("Geheimer Verein e.V.", at(17)), "need_bookkeeping": ("big", at(17)),
        "need_rooms": ("urgent", at(17)), "comments": ("Wir suchen einen Raum für Treffen am Wochenende", at(18))})
    # 3: new this week, still answering
    await seed_user(store, 3, "de", at(20), None, {"org_name": ("Verein drei", at(21))})
    # 4: untouched since 10 Nov: abandoned this week (10 + 7 = 17 Nov)
    await seed_user(store, 4, "tr", at(2), None, {"need_pr": ("big", at(10))})
    # 5: abandoned in October: counts in the total only
    await seed_user(store, 5, "ru", at(1, month=10), None, {"need_pr": ("big", at(2, month=10))})
    # 6: started this week, completed only after the digest time: still in progress
    await seed_user(store, 6, "de", at(22), at(24), {"need_rooms": ("urgent", at(22))})
    # 7: completed before the week with only "some" PR need: needs nothing big
    await seed_user(store, 7, "en", at(9), at(10), {"need_pr": ("some", at(10)), "need_bookkeeping": ("none", at(10))})
    catalog = CatalogStore(store)
    await catalog.upsert_workshops([workshop("kasse", "bookkeeping", at(14, month=12)),
                                    workshop("raeume", "rooms", END + timedelta(weeks=10))], sample=False)
    await store.db.execute(
        "INSERT INTO suggestions (user_id, kind, ref, score, reasons, state, created_at, updated_at) "
        "VALUES (1, 'workshop', 'kasse', 1, '[]', 'interested', ?, ?)", (at(19).isoformat(), at(19).isoformat()))
    await store.db.execute(
        "INSERT INTO introductions (from_user, to_user, state, created_at, decided_at) VALUES "
        "(1, 2, 'accepted', ?, ?), (1, 7, 'requested', ?, NULL)",
        (at(18).isoformat(), at(19).isoformat(), at(3).isoformat()))
    await store.db.execute("COMMIT")
    yield store
    with contextlib.suppress(ValueError):
        await store.close()


async def test_counts_and_trends_match_the_hand_computed_week(store: Store) -> None:
    figures = await FigureSource(store, ENGINE, uncovered_min=1).compute(END)
    assert (figures.new_msos, figures.started, figures.completed, figures.abandoned) == (3, 3, 1, 1)
    assert (figures.total_msos, figures.total_completed, figures.total_in_progress,
            figures.total_abandoned) == (7, 3, 2, 2)
    ranked = [(n.topic, n.now, n.before) for n in figures.needs if n.now or n.before]
    assert ranked == [("bookkeeping", 2, 1), ("rooms", 1, 0), ("pr", 1, 1)]
    # bookkeeping has a workshop in three weeks; rooms only in ten weeks (outside eight)
    assert [n.topic for n in figures.uncovered] == ["rooms", "pr"]
    assert [(w.id, w.interested) for w in figures.workshops] == [("kasse", 1), ("raeume", 0)]
    assert (figures.introductions_requested, figures.introductions_accepted) == (1, 1)
    assert figures.languages == {"de": 2, "tr": 2, "ar": 1, "en": 1, "ru": 1}
    assert [(f.question, f.text) for f in figures.free_texts] == [
        ("comments", "Wir suchen einen Raum für Treffen am Wochenende")]


async def test_the_uncovered_threshold_counts_associations(store: Store) -> None:
    figures = await FigureSource(store, ENGINE, uncovered_min=2).compute(END)
    assert figures.uncovered == []  # rooms and PR have one association each


async def test_the_german_digest_reads_as_staff_expect(store: Store) -> None:
    figures = await FigureSource(store, ENGINE, uncovered_min=1).compute(END)
    text = "\n\n".join(messages(sections(voice(), figures)))
    assert "Wochenbericht von MSO Assistant" in text
    assert "16.11.2026 – 23.11.2026" in text
    assert "Neue Vereine: 3" in text
    assert "1. Buchhaltung und Finanzen: 2 (+1 gegenüber der Vorwoche)" in text
    assert "3. Öffentlichkeitsarbeit: 1 (±0 gegenüber der Vorwoche)" in text
    assert "• Räume: 1 Verein" in text
    assert "Kurs kasse: 1 Verein interessiert von 12 Plätzen" in text
    assert "„\u2068Wir suchen einen Raum für Treffen am Wochenende\u2069“" in text  # isolated: it is a user's text
    assert "Geheimer Verein" not in text  # the organisation's name is not a free-text answer


def partner(id_: str, name: str, topics: list[str]) -> Partner:
    return Partner.model_validate({"id": id_, "name": name, "kind": "welfare", "topics": topics, "languages": ["de"],
                                   "contact": {"email": f"{id_}@example.org"}})


async def test_staff_see_the_contact_requests_and_the_partners_for_each_uncovered_need(store: Store) -> None:
    await store.db.execute("BEGIN")
    await CatalogStore(store).upsert_partners([partner("awo", "AWO Wuppertal", ["pr", "funding"]),
                                               partner("caritas", "Caritas Wuppertal", ["rooms", "pr"]),
                                               partner("vhs", "VHS Wuppertal", ["bookkeeping"])], sample=False)
    for user, partner_id, state, created in [(1, "awo", "accepted", at(18)), (2, "awo", "declined", at(19)),
                                             (2, "caritas", "pending", at(20)), (4, "awo", "withdrawn", at(21)),
                                             (1, "caritas", "pending", at(3))]:  # last week's, still open
        await store.db.execute(
            "INSERT INTO contact_requests (user_id, submission_id, partner_id, topics, state, created_at) "
            "VALUES (?, ?, ?, '[\"pr\"]', ?, ?)", (user, user, partner_id, state, created.isoformat()))
    await store.db.execute("COMMIT")
    figures = await FigureSource(store, ENGINE, uncovered_min=1).compute(END)
    requests = figures.requests
    assert (requests.accepted, requests.declined, requests.pending, requests.withdrawn) == (1, 1, 1, 1)
    assert requests.open_long == 1  # Caritas' from 3 November
    assert figures.covering == {"rooms": ["Caritas Wuppertal"], "pr": ["AWO Wuppertal", "Caritas Wuppertal"]}
    de = voice().t
    text = "\n\n".join(messages(sections(voice(), figures)))
    assert de.gettext("Sent this week: {sent} (accepted: {accepted} · declined: {declined} · still open: {pending})"
                      ).format(sent=4, accepted=1, declined=1, pending=1) in text
    assert de.gettext("Open for more than seven days: {count}").format(count=1) in text
    assert "• Räume: 1 Verein\n   " + de.gettext("Partners working on it: {partners}").format(
        partners="Caritas Wuppertal") in text
    assert "• Öffentlichkeitsarbeit: 1 Verein\n   " + de.gettext("Partners working on it: {partners}").format(
        partners="AWO Wuppertal, Caritas Wuppertal") in text

    # Many partners on one topic: a few are named, the section stays within Telegram's limit.
    many = [f"Partnerorganisation Nummer {i} mit einem recht langen Namen e.V." for i in range(300)]
    figures.covering = {"rooms": many, "pr": many}
    parts = messages(sections(voice(), figures))
    assert all(len(part) <= 4096 for part in parts)
    joined = "\n\n".join(parts)
    assert many[TOP_PARTNERS - 1] in joined and many[TOP_PARTNERS] not in joined
    assert "… und 295 weitere" in joined
    figures.covering = {}
    assert de.gettext("no partner organisation in the catalog works on this topic") in "\n".join(
        sections(voice(), figures))


async def test_staff_see_a_proposal_waiting_for_an_uncovered_need(store: Store) -> None:
    await store.db.execute("BEGIN")
    await CatalogStore(store).upsert_partners([partner("awo", "AWO Wuppertal", ["pr"])], sample=False)
    for topics, state in ((["pr", "funding"], "pending"), (["rooms"], "rejected")):  # PR and rooms are uncovered
        await store.db.execute(
            "INSERT INTO proposals (partner_id, contact_id, workshop, state, created_at) VALUES ('awo', 7, ?, ?, ?)",
            (json.dumps({"topics": topics}), state, at(20).isoformat()))
    await store.db.execute("COMMIT")
    figures = await FigureSource(store, ENGINE, uncovered_min=1).compute(END)
    assert {n.topic for n in figures.uncovered} == {"pr", "rooms"}
    assert figures.proposed == {"pr": ["AWO Wuppertal"]}  # a rejected proposal waits for nobody
    text = "\n\n".join(messages(sections(voice(), figures)))
    de = voice().t
    assert "• Öffentlichkeitsarbeit: 1 Verein\n   " + de.gettext("Partners working on it: {partners}").format(
        partners="AWO Wuppertal") + "\n   " + de.gettext(
        "A workshop proposal waits for your approval, from: {partners}").format(partners="AWO Wuppertal") in text


async def test_a_long_digest_is_split_between_sections_below_the_limit(store: Store) -> None:
    figures = await FigureSource(store, ENGINE).compute(END)
    blocks = sections(voice(), figures)
    blocks[-1] += "\n" + "\n".join(f"• Antwort {i}: " + "x" * 150 for i in range(60))  # ~9,500 characters
    parts = messages(blocks)
    assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
    assert parts[0].startswith("📊") and "Antwort 0:" in "".join(parts) and "Antwort 59:" in parts[-1]


async def test_the_chart_is_a_png(store: Store) -> None:
    service = DigestService(store, FigureSource(store, ENGINE), voice(), STAFF, MONDAY_8)
    digest = await service.build(END)
    assert digest.chart.startswith(b"\x89PNG\r\n\x1a\n") and len(digest.chart) > 10_000


def test_the_scheduled_moment_is_the_latest_one_before_now() -> None:
    assert last_occurrence(END, TZ, *MONDAY_8) == END
    assert last_occurrence(END - timedelta(seconds=1), TZ, *MONDAY_8) == END - timedelta(days=7)
    # Summer time: Monday 08:00 in Berlin is 06:00 UTC
    assert last_occurrence(datetime(2026, 7, 8, tzinfo=UTC), TZ, *MONDAY_8) == datetime(2026, 7, 6, 6, 0, tzinfo=UTC)


async def _digests_sent(store: Store, phone: Recorder) -> None:
    worker = OutboxWorker(store, phone, _compose, chat_interval=0.0, rate=1000.0)
    await worker.drain()


async def _compose(row: Any) -> Parcel | None:
    from bot.outbox import parcel_from_payload
    return parcel_from_payload(row.payload)


async def test_a_restart_around_the_scheduled_time_sends_one_digest(store: Store, tmp_path: Path) -> None:
    clock = Clock(END - timedelta(minutes=1))
    store.clock = clock
    await store.db.execute("INSERT INTO digests (period_end, claimed_at, recipients) VALUES (?, ?, 2)",
                           ((END - timedelta(days=7)).isoformat(), START.isoformat()))  # last week's went out
    await store.db.raw.commit()
    first = DigestService(store, FigureSource(store, ENGINE), voice(), STAFF, MONDAY_8)
    assert not await first.send_due()  # 07:59: not yet
    clock.now = END + timedelta(seconds=20)
    assert await first.send_due()
    await store.close()  # the process stops before anything was delivered

    again = Store(await connect(tmp_path / "digest.sqlite3"), clock=Clock(END + timedelta(minutes=1)))
    second = DigestService(again, FigureSource(again, ENGINE), voice(), STAFF, MONDAY_8)
    assert not await second.send_due()  # already queued by the first process
    phone = Recorder()
    await _digests_sent(again, phone)
    for chat in STAFF:
        texts = [p.screen.text for c, p in phone.sent if c == chat and p.screen]
        charts = [p.document for c, p in phone.sent if c == chat and p.document]
        assert len(charts) == 1 and sum(t.startswith("📊 Wochenbericht") for t in texts) == 1
    assert not await second.send_due()
    await again.close()


async def test_a_bot_that_was_down_sends_the_missed_digest_once(store: Store) -> None:
    store.clock = Clock(END + timedelta(days=1, hours=3))  # Tuesday: the bot was down on Monday
    service = DigestService(store, FigureSource(store, ENGINE), voice(), STAFF, MONDAY_8)
    assert await service.send_due()
    assert not await service.send_due()
    phone = Recorder()
    await _digests_sent(store, phone)
    texts = [p.screen.text for c, p in phone.sent if c == STAFF[0] and p.screen]
    assert "16.11.2026 – 23.11.2026" in texts[0]  # the week up to Monday, not up to Tuesday
