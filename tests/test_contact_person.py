"""The association's contact person for the office and partners (issue 28) below the chat: what
counts as a phone number or e-mail address, who may ever see it (only the organisations asked),
the follow-up exactly once per change, and that it is personal data like the rest: /mydata,
/delete (no trace in any table, column or the file), the notice and the record of processing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.catalog.importer import SAMPLE as CATALOG
from bot.consent.notice import NOTICE_VERSION, SAMPLE
from bot.consent.screens import NoticeScreens
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from bot.office.contact import name_of, reach_of
from bot.services import Services, open_services
from bot.staff.record import record
from bot.storage.consents import ConsentStore
from bot.storage.contact_persons import open_requests
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.partners import PartnerStore
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock
from tests.test_erasure import AWO_CONTACT, LEAVER, STAFF_ID, leaving, traces
from tests.test_suggestions_e2e import import_catalog

KIZ_CONTACT = 7002  # a contact of the integration centre, which the association did not ask
PERSON, PHONE = "Vorsitzende Leyla Q.", "+49 202 555 0177"


@pytest.mark.parametrize(("typed", "stored"), [
    ("+49 202 555 0100", "+49 202 555 0100"), ("0202/555-0100", "0202/555-0100"), ("(0202) 5550100", "(0202) 5550100"),
    ("۰۲۰۲ ۵۵۵ ۰۱۰۰", "0202 555 0100"), ("٠٢٠٢٥٥٥٠١٠٠", "02025550100"), ("  vorstand@verein.de ", "vorstand@verein.de"),
    ("Leyla.Q+verein@mail.example.org", "Leyla.Q+verein@mail.example.org"),
    ("+49\u200f 202 5550100", "+49 202 5550100"),
])
def test_a_phone_number_or_an_e_mail_address_is_taken_as_people_type_them(typed: str, stored: str) -> None:
    assert reach_of(typed) == stored


@pytest.mark.parametrize("typed", ["", "morgen anrufen", "0202", "name@example", "a@b.c", "two@at@example.org",
                                   "+49 202 +555 0100", "1234567890123456", "name @ example . org x", "x" * 300])
def test_anything_else_is_refused(typed: str) -> None:
    assert reach_of(typed) is None


def test_a_name_or_role_has_a_letter_and_at_most_80_characters() -> None:
    assert name_of(" Vorsitzende\u202e ") == "Vorsitzende"  # bidi controls go
    assert name_of("رئيسة الجمعية") == "رئيسة الجمعية"
    assert name_of("12") is None and name_of("   ") is None and name_of("A" * 81) is None


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, CATALOG)
    opened = await open_services(settings)
    async with opened.store.transaction():
        await PartnerStore(opened.store).add_contact(AWO_CONTACT, "awo", "Frau Beispiel", "de")
        await PartnerStore(opened.store).add_contact(KIZ_CONTACT, "kiz", "Herr Anders", "de")
    await opened.partners.load()
    yield opened
    await opened.close()


async def sent_cards(services: Services) -> None:
    """The request cards left the outbox (as the worker marks them)."""
    async with services.store.transaction():
        await services.store.write("UPDATE outbox SET state = 'sent' WHERE dedupe_key LIKE 'request:%'")


async def follow_ups(services: Services) -> list[OutboxRow]:
    rows = await services.store.fetch_all(
        "SELECT id, chat_id, user_id, purpose, payload, not_before, attempts FROM outbox "
        "WHERE json_extract(payload, '$.type') = 'partner_contact_person'")
    return [OutboxRow.model_validate({**dict(r), "payload": json.loads(r["payload"])}) for r in rows]


async def test_only_the_organisation_asked_ever_sees_the_contact_person(services: Services) -> None:
    store = services.store
    await leaving(services)  # asked welfare organisations: AWO, not the integration centre
    async with store.transaction():  # the card still waits in the outbox: drawn with it, no follow-up
        await services.contact_persons.give(LEAVER, PERSON, PHONE)
    assert await follow_ups(services) == []
    (card,) = await OutboxStore(store).due()
    drawn = await services.composers.compose(card)
    assert card.chat_id == AWO_CONTACT and drawn is not None and drawn.screen is not None
    assert f"{PERSON}\u2069, \u2068{PHONE}" in drawn.screen.text
    await sent_cards(services)
    async with store.transaction():
        await services.contact_persons.give(LEAVER, PERSON, PHONE)
        await services.contact_persons.give(LEAVER, PERSON, PHONE)  # given again (a change): one more follow-up
    rows = await follow_ups(services)
    assert [(r.chat_id, r.payload["version"]) for r in rows] == [(AWO_CONTACT, 2), (AWO_CONTACT, 3)]
    # Drawn when sent: only the newest change is shown, to AWO's contact.
    assert await services.composers.compose(rows[0]) is None
    parcel = await services.composers.compose(rows[1])
    assert parcel is not None and parcel.screen is not None and PERSON in parcel.screen.text
    # The integration centre's contact: nothing in /needs, and a row forged for them draws nothing.
    assert PERSON not in (await services.partners.command(Visitor(KIZ_CONTACT, "de"), "needs")).messages[0].text
    async with store.single_statement():
        assert await open_requests(store, "kiz") == []
        assert [r.person for r in await open_requests(store, "awo")] == [PERSON]
    for forged in (rows[1].model_copy(update={"chat_id": KIZ_CONTACT}),
                   rows[1].model_copy(update={"chat_id": KIZ_CONTACT, "payload": {
                       "type": "partner_request", "request": rows[1].payload["request"]}})):
        assert await services.composers.compose(forged) is None
    # Sharing withdrawn: the partners see it no more.
    await services.survey.press(Visitor(LEAVER), "V:p0")
    async with store.single_statement():
        assert await open_requests(store, "awo") == []
    assert await services.composers.compose(rows[1]) is None


async def test_mydata_shows_it_and_delete_leaves_no_trace(services: Services) -> None:
    store = services.store
    await leaving(services)
    await sent_cards(services)
    async with store.transaction():
        await services.contact_persons.give(LEAVER, PERSON, PHONE)
    mine = await services.association_command("mydata", Visitor(LEAVER, "de"))
    data = json.loads(mine.documents[0].content)
    assert [(p["name"], p["reach"]) for p in data["contact_person"]] == [(PERSON, PHONE)]
    assert traces(services.settings.database, [PERSON, PHONE], LEAVER)
    await services.survey.press(Visitor(LEAVER), "X:y")  # /delete, confirmed
    assert [t for t in traces(services.settings.database, [PERSON, PHONE], LEAVER) if "file bytes" not in t] == []
    assert await follow_ups(services) == []  # the follow-up queued for AWO went with it


def test_the_notice_and_the_record_of_processing_name_it(settings: Settings) -> None:
    catalogs = Catalogs()
    for code in catalogs.languages:
        t = catalogs.translator(code)
        notice = NoticeScreens(t, SAMPLE).full().text
        assert t.gettext("A contact person (optional): if you name one after completing the questionnaire or in "
                         "/settings, we store their name or role and one phone number or e-mail address, so that the "
                         "integration office and the partner organisations you asked for contact can reach you "
                         "directly. Only they see it, on your contact requests. It is kept until you change or remove "
                         "it (/settings) and deleted with your association's data. Please let that person "
                         "know.")[:40] in notice
    german = record(Catalogs(domain=STAFF_DOMAIN).translator("de"), settings, date(2027, 1, 9))
    for said in ("Ansprechperson eines Vereins für das Ressort", "Personen, die ein Verein als seine Ansprechperson",
                 "nur die Kontaktpersonen der Partnerorganisationen, mit denen der Verein Kontakt wünscht",
                 "bis der Verein sie ändert oder entfernt (/settings)"):
        assert said in german


async def test_asked_long_ago_typed_text_is_no_longer_taken_for_the_contact_person(services: Services) -> None:
    """“Add a contact person”, then nothing for over an hour: what the association types next is
    meant for something else, and nothing is stored as its contact person."""
    clock = Clock(services.store.now())
    services.store.clock = clock
    await leaving(services)
    await services.survey.press(Visitor(LEAVER, "de"), "W:add")
    clock.now += timedelta(hours=1, minutes=1)
    out = await services.survey.text(Visitor(LEAVER, "de"), "Vorsitzende")
    assert "Vorsitzende" not in " ".join(m.text for m in out.messages)
    assert await services.contact_persons.data.get(LEAVER) is None
    assert (await services.store.user(LEAVER)).awaiting is None  # type: ignore[union-attr]


async def test_the_retention_rules_erase_it_with_the_questionnaire_or_the_association(services: Services) -> None:
    """Given in /settings during a questionnaire never finished: it goes when the questionnaire
    goes (365 days); given by an association that completed: with the association (1,095 days)."""
    store, clock = services.store, Clock(services.store.now())
    store.clock = clock
    unfinished = LEAVER + 1
    async with store.transaction():
        await store.set_language(unfinished, "de")
        await ConsentStore(store).agree(unfinished, NOTICE_VERSION, {"partners": True})
        submission = await store.create_submission(unfinished, services.engine.questionnaire.id,
                                                   services.engine.questionnaire.version)
        await store.save_answer(submission.id, "org_name", "Halbfertig e.V.")
        await services.contact_persons.give(unfinished, PERSON, PHONE)
    await leaving(services)
    async with store.transaction():
        await services.contact_persons.give(LEAVER, "Kassenwart", "kasse@verein.example.org")
    clock.now += timedelta(days=366)
    await services.privacy.purge()
    assert await services.contact_persons.data.get(unfinished) is None
    assert await services.contact_persons.data.get(LEAVER) is not None
    clock.now += timedelta(days=1095)
    await services.privacy.purge()
    assert await services.contact_persons.data.get(LEAVER) is None
    assert [t for t in traces(services.settings.database, [PERSON, PHONE, "kasse@verein"], LEAVER)
            if "file bytes" not in t] == []
