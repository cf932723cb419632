"""The suggestion service's rules, on a real database with a clock the test sets: who gets a
push and when, reminders that survive a restart and follow a moved workshop, a declined
introduction that shares nothing, and full or dismissed offers that are not suggested again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.catalog.model import Partner, Workshop
from bot.consent.notice import NOTICE_VERSION
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Screen
from bot.outbox import OutboxWorker, screen_payload
from bot.outbox.composers import Composers
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.storage import Store, connect
from bot.storage.catalog import CatalogStore
from bot.storage.consents import ConsentStore
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.profiles import ProfileStore
from bot.suggestions.index import index_row
from bot.suggestions.matching import build_profile
from bot.suggestions.service import SuggestionService
from bot.survey.service import SurveyService
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock, Recorder

TZ = ZoneInfo("Europe/Berlin")
QUESTIONNAIRE = load()
ENGINE = Engine(QUESTIONNAIRE)
CATALOGS = Catalogs()
EN = CATALOGS.translator("en").gettext

NEEDS_BOOKKEEPING: dict[str, Any] = {
    "org_name": "Verein", "district": "barmen", "need_bookkeeping": "urgent", "contact_professionals": "yes",
    "professional_orgs": ["welfare"], "professional_topics": ["bookkeeping"], "network_msos": "no",
    "formats": ["workshop"], "times": ["weekends"], "workshop_languages": ["tr", "de"],
}
NEEDS_NOTHING: dict[str, Any] = {**NEEDS_BOOKKEEPING, "need_bookkeeping": "none"}



def composers(service: SuggestionService) -> Composers:
    """What the wiring registers for the suggestions' rows (`bot.services`)."""
    return Composers({"push": service.push_card, "reminder": service.workshop_reminder})


async def open_service(path: Path, clock: Clock) -> tuple[Store, SurveyService, SuggestionService]:
    store = Store(await connect(path), clock=clock)
    suggestions = SuggestionService(store, ENGINE, CATALOGS, TZ)
    survey = SurveyService(store, ENGINE, CATALOGS, TZ, companions=[suggestions])
    return store, survey, suggestions


async def seed(store: Store, user_id: int, answers: dict[str, Any], language: str = "en") -> None:
    async with store.transaction():
        await store.set_language(user_id, language)
        await ConsentStore(store).agree(user_id, NOTICE_VERSION, {"networking": answers.get("network_msos") == "yes"})
        submission = await store.create_submission(user_id, QUESTIONNAIRE.id, QUESTIONNAIRE.version)
        for question, value in answers.items():
            await store.save_answer(submission.id, question, value)
        await store.set_organisation_name(submission.id, str(answers.get("org_name", user_id)))
        await store.complete(submission.id)
        # As completing through the survey does: the profile index learns it in the same transaction.
        profile = build_profile(user_id, answers, QUESTIONNAIRE.matching)  # type: ignore[arg-type]
        await ProfileStore(store).put(user_id, submission.id, *index_row(profile))


def course(id_: str, start: datetime, **extra: Any) -> Workshop:
    data: dict[str, Any] = {
        "id": id_, "title": {"de": f"Kurs {id_}"}, "topics": ["bookkeeping"], "languages": ["tr"],
        "start": start, "end": start + timedelta(hours=3), "provider": "paritaet", "address": "Werth 1",
        "district": "barmen", "registration": {"email": "kurs@example.org"}}
    data.update(extra)
    return Workshop.model_validate(data)


PARITAET = Partner.model_validate({"id": "paritaet", "name": "Der Paritätische", "kind": "welfare",
                                   "topics": ["law"], "languages": ["de"], "contact": {"email": "p@example.org"}})


async def add(store: Store, *workshops: Workshop) -> None:
    async with store.transaction():
        await CatalogStore(store).upsert_partners([PARITAET], sample=False)
        await CatalogStore(store).upsert_workshops(list(workshops), sample=False)


async def test_new_offers_reach_only_those_they_fit_within_the_push_rules(tmp_path: Path) -> None:
    # Tuesday 1 December 2026, 22:30 in Wuppertal: inside the quiet hours.
    clock = Clock(datetime(2026, 12, 1, 22, 30, tzinfo=TZ))
    store, _survey, service = await open_service(tmp_path / "db.sqlite3", clock)
    await seed(store, 1, NEEDS_BOOKKEEPING)  # fits
    await seed(store, 2, NEEDS_BOOKKEEPING)  # fits, but turned pushes off
    await seed(store, 3, NEEDS_BOOKKEEPING)  # fits, but blocked the bot
    await seed(store, 4, NEEDS_NOTHING)  # no need in bookkeeping
    await seed(store, 5, NEEDS_BOOKKEEPING)  # fits, but had two pushes this week
    await seed(store, 6, NEEDS_BOOKKEEPING)  # fits; its two pushes were eight days ago
    await seed(store, 7, {**NEEDS_BOOKKEEPING, "workshop_languages": ["ar"]})  # cannot follow Turkish
    # Fits: named no language for workshops, so any language will do.
    await seed(store, 8, {k: v for k, v in NEEDS_BOOKKEEPING.items() if k != "workshop_languages"})
    outbox = OutboxStore(store)
    async with store.transaction():
        await store.set_pushes(2, False)
        await store.set_blocked(3, True)
        for user_id, days_ago in ((5, 2), (5, 6), (6, 8), (6, 8)):
            clock.now -= timedelta(days=days_ago)
            await outbox.enqueue(user_id, user_id, "push", screen_payload(Screen(text="earlier")))
            clock.now += timedelta(days=days_ago)
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=TZ)
    await add(store, course("kasse", saturday), course("kasse-2", saturday + timedelta(days=7)),
              course("kasse-3", saturday + timedelta(days=14)))

    pushed = await service.offers_added(["kasse", "kasse-2", "kasse-3"])

    # At most two a week: user 1 gets the two best (the earliest scores the same, so by id).
    assert pushed == {1: ["kasse", "kasse-2"], 6: ["kasse", "kasse-2"], 8: ["kasse", "kasse-2"]}
    rows = await store.fetch_all("SELECT id, chat_id, user_id, purpose, payload, not_before, attempts FROM outbox "
                                 "WHERE purpose = 'push' AND created_at >= ?", clock.now.astimezone(UTC).isoformat())
    assert {r["chat_id"] for r in rows} == {1, 6, 8}
    # Not at night: they wait until 08:00 the next morning.
    assert {datetime.fromisoformat(r["not_before"]) for r in rows} == {datetime(2026, 12, 2, 8, 0, tzinfo=TZ)}
    # A compact row; the card is drawn in the reader's language when it is sent.
    for row in rows:
        assert set(json.loads(row["payload"])) == {"type", "suggestion"}
        stored = OutboxRow.model_validate({**dict(row), "payload": json.loads(row["payload"])})
        parcel = await composers(service).compose(stored)
        assert parcel is not None and parcel.screen is not None
        assert parcel.screen.text.startswith("🆕 " + EN("A new offer that fits your association:"))
    # Importing the same workshops again pushes nothing more.
    assert await service.offers_added(["kasse", "kasse-2", "kasse-3"]) == {}
    await store.close()


async def test_a_reminder_survives_a_restart_follows_a_moved_workshop_and_goes_with_not_for_us(
        tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    store, survey, service = await open_service(path, clock)
    await seed(store, 1, NEEDS_BOOKKEEPING)
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=TZ)
    await add(store, course("kasse", saturday))
    visitor = Visitor(1, "en")
    await survey.member(visitor, service.show)
    suggestion = await store.fetch_one("SELECT id FROM suggestions WHERE ref = 'kasse'")
    assert suggestion is not None
    outcome = await survey.press(visitor, f"G:{suggestion['id']}:i")
    assert outcome.source is not None and EN("We will remind you the day before.") in outcome.source.text
    reminder = await store.fetch_one("SELECT not_before FROM outbox WHERE purpose = 'reminder'")
    assert reminder is not None
    assert datetime.fromisoformat(reminder["not_before"]) == datetime(2026, 12, 11, 18, 0, tzinfo=TZ)

    # Staff move the workshop by a week: the reminder moves with it.
    await add(store, course("kasse", saturday + timedelta(days=7)))
    await service.workshops_changed(["kasse"])
    reminder = await store.fetch_one("SELECT not_before FROM outbox WHERE purpose = 'reminder'")
    assert reminder is not None
    assert datetime.fromisoformat(reminder["not_before"]) == datetime(2026, 12, 18, 18, 0, tzinfo=TZ)
    await store.close()

    # The bot restarts; the evening before, the new process sends the reminder from the database.
    clock.now = datetime(2026, 12, 18, 18, 0, 30, tzinfo=TZ)
    store, survey, service = await open_service(path, clock)
    phone = Recorder()
    worker = OutboxWorker(store, phone, composers(service).compose, rate=1000, chat_interval=0)
    await worker.drain(limit_seconds=5)
    reminders = [t for t in phone.texts(1) if EN("Reminder: your workshop is tomorrow.") in t]
    assert len(reminders) == 1 and "Kurs kasse" in reminders[0]
    await worker.drain(limit_seconds=5)  # nothing twice
    assert len([t for t in phone.texts(1) if EN("Reminder: your workshop is tomorrow.") in t]) == 1

    # Interested in a second one, then "Not for us" after all: no reminder for it.
    await add(store, course("kasse-2", saturday + timedelta(days=14)))
    clock.now = datetime(2026, 12, 19, 9, 0, tzinfo=TZ)
    await survey.member(visitor, service.show)
    second = await store.fetch_one("SELECT id FROM suggestions WHERE ref = 'kasse-2'")
    assert second is not None
    await survey.press(visitor, f"G:{second['id']}:i")
    await survey.press(visitor, f"G:{second['id']}:n")
    states = await store.fetch_all("SELECT state FROM outbox WHERE dedupe_key = 'reminder:1:kasse-2'")
    assert [r["state"] for r in states] == ["dropped"]
    await store.close()


async def test_a_declined_introduction_shares_no_contact(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    store, survey, service = await open_service(tmp_path / "db.sqlite3", clock)
    await seed(store, 1, {**NEEDS_BOOKKEEPING, "org_name": "Asking e.V.", "network_msos": "yes",
                          "peer_contact": "asker@example.org"})
    await seed(store, 2, {**NEEDS_NOTHING, "org_name": "Asked e.V.", "network_msos": "yes",
                          "peer_contact": "+49 202 1234", "strengths": ["bookkeeping"]}, language="de")
    await survey.member(Visitor(1, "en"), service.show)
    peer = await store.fetch_one("SELECT id FROM suggestions WHERE kind = 'peer' AND user_id = 1")
    assert peer is not None
    await survey.press(Visitor(1, "en"), f"G:{peer['id']}:i")  # the contact is known: asked at once
    introduction = await store.fetch_one("SELECT id FROM introductions")
    assert introduction is not None
    outcome = await survey.press(Visitor(2, "de"), f"I:{introduction['id']}:d")
    assert [m.text for m in outcome.messages] == [CATALOGS.translator("de").gettext(
        "All right. Nothing was passed on.")]
    payloads = [r["payload"] for r in await store.fetch_all("SELECT payload FROM outbox")]
    assert not any("+49 202 1234" in p for p in payloads) and not any("asker@example.org" in p for p in payloads)
    # An introduction's messages are drawn when they are sent, in the reader's language.
    rows = await store.fetch_all("SELECT id, chat_id, user_id, purpose, payload, not_before, attempts FROM outbox "
                                 "WHERE purpose = 'introduction'")
    drawn = [await service.introductions.compose(OutboxRow.model_validate({**dict(r), "payload": json.loads(
        r["payload"])})) for r in rows]
    assert any(p is not None and p.screen is not None and EN(
        "The association you asked about cannot be put in touch right now. Nothing was passed on. Use "
        "/suggestions to see other associations.")[:40] in p.screen.text for p in drawn)
    assert (await store.fetch_one("SELECT state FROM introductions"))["state"] == "declined"  # type: ignore[index]
    # A second tap on the old request changes nothing.
    again = await survey.press(Visitor(2, "de"), f"I:{introduction['id']}:a")
    assert again.source_closed and not again.messages
    await store.close()


async def test_full_past_and_dismissed_workshops_are_not_suggested(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    store, survey, service = await open_service(tmp_path / "db.sqlite3", clock)
    await seed(store, 1, NEEDS_BOOKKEEPING)
    await seed(store, 2, NEEDS_BOOKKEEPING)
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=TZ)
    await add(store, course("full", saturday, capacity=1), course("past", datetime(2026, 11, 28, 10, 0, tzinfo=TZ)),
              course("open", saturday + timedelta(days=7)))
    await survey.member(Visitor(2, "en"), service.show)
    seat = await store.fetch_one("SELECT id FROM suggestions WHERE user_id = 2 AND ref = 'full'")
    assert seat is not None
    await survey.press(Visitor(2, "en"), f"G:{seat['id']}:i")  # takes the only place

    latest = await store.latest_completed(1)
    assert latest is not None
    profile = build_profile(1, latest[1], service.matching)
    assert [m.ref for m in await service.best(profile) if m.kind == "workshop"] == ["open"]
    await survey.member(Visitor(1, "en"), service.show)
    mine = await store.fetch_one("SELECT id FROM suggestions WHERE user_id = 1 AND ref = 'open'")
    assert mine is not None
    await survey.press(Visitor(1, "en"), f"G:{mine['id']}:n")
    assert [m.ref for m in await service.best(profile) if m.kind == "workshop"] == []
    await store.close()


async def test_interested_is_not_a_registration_and_myworkshops_sends_the_file_again_and_takes_it_back(
        tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    store, survey, service = await open_service(tmp_path / "db.sqlite3", clock)
    await seed(store, 1, NEEDS_BOOKKEEPING)
    await seed(store, 2, NEEDS_BOOKKEEPING)
    await add(store, course("kasse", datetime(2026, 12, 12, 10, 0, tzinfo=TZ)))
    visitor, other = Visitor(1, "en"), Visitor(2, "en")
    nothing = await survey.member(visitor, service.my_workshops)
    assert [m.text for m in nothing.messages] == [EN(
        "Your association has not marked any workshop as interesting yet. /suggestions shows what fits your answers.")]
    await survey.member(visitor, service.show)
    suggestion = await store.fetch_one("SELECT id FROM suggestions WHERE ref = 'kasse' AND user_id = 1")
    assert suggestion is not None
    noted = await survey.press(visitor, f"G:{suggestion['id']}:i")
    assert noted.source is not None
    assert EN("We have noted your interest (this is not a registration yet). The calendar file follows.") \
        in noted.source.text
    assert EN("To register: {contact}").format(contact="kurs@example.org") in noted.source.text

    mine = await survey.member(visitor, service.my_workshops)
    assert len(mine.messages) == 2 and "Kurs kasse" in mine.messages[1].text
    assert "kurs@example.org" in mine.messages[1].text  # how to register, again
    calendar, take_back = (b.action for row in mine.messages[1].buttons for b in row)
    forged = await survey.press(other, take_back)  # another association's tap on this card
    assert forged.toast == EN("This button no longer applies.") and not forged.documents
    again = await survey.press(visitor, calendar)
    assert [d.filename for d in again.documents] == ["kasse.ics"]
    assert b"BEGIN:VCALENDAR" in again.documents[0].content
    back = await survey.press(visitor, take_back)
    assert back.source is not None and EN("Taken back. /suggestions may show it again.") in back.source.text
    state = await store.fetch_one("SELECT state FROM suggestions WHERE id = ?", suggestion["id"])
    assert state is not None and state["state"] == "shown"
    reminders = await store.fetch_all("SELECT state FROM outbox WHERE dedupe_key = 'reminder:1:kasse'")
    assert [r["state"] for r in reminders] == ["dropped"]
    assert len((await survey.member(visitor, service.my_workshops)).messages) == 1  # nothing marked any more
    twice = await survey.press(visitor, take_back)
    assert twice.toast == EN("This button no longer applies.")
    await store.close()
