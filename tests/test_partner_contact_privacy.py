"""A partner contact's own data (issue 26, part 6): told before joining what is kept and for how
long, erased by their /delete (asked first; staff hear the organisation lost a contact) and by
the nightly purge a year after their access ended or, while it is open, after their last use."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog.importer import SAMPLE
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.outcome import Outcome
from bot.kernel.settings import Settings
from bot.partners.invites import new_token, token_hash
from bot.services import Services, open_services
from bot.staff.record import record
from bot.storage.partners import CONTACT_KEEP, PartnerStore, RequestStore
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock
from tests.test_suggestions_e2e import import_catalog

STAFF_ID = 501
CONTACT, OTHER = 7001, 7002
NAME = "Frau Kontaktperson Zyx"
DE = Catalogs(domain=STAFF_DOMAIN).translator("de")
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, SAMPLE)
    opened = await open_services(settings)
    opened.store.clock = Clock(T0)
    yield opened
    await opened.close()


async def join(services: Services, user_id: int, name: str) -> None:
    """As the joining button does: an invitation of AWO's, used; the contact; its event."""
    token = new_token()
    async with services.store.transaction():
        await services.partners.invite("awo", STAFF_ID, services.partners.screens["de"])
        store = PartnerStore(services.store)
        await store.add_invite(token_hash(token), "awo", STAFF_ID, (T0 + timedelta(days=14)).isoformat())
        await store.use_invite(token_hash(token), user_id)
        await store.add_contact(user_id, "awo", name, "de")
        await services.store.log_event("partner_joined", None, partner="awo", contact=user_id)
    await services.partners.load()


def traces(database: Path, user_id: int, needle: str) -> list[str]:
    found = []
    with sqlite3.connect(database) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in db.execute(f"SELECT * FROM {table}"):
                for value in row:
                    if value == user_id or (isinstance(value, str) and (str(user_id) in value or needle in value)):
                        found.append(f"{table}: {str(value)[:80]}")
    return found


async def test_the_notice_before_joining_and_the_record_say_how_long_and_how_to_delete(services: Services) -> None:
    confirm = services.partners.screens["de"].confirm("AWO", "ab" * 32).text
    assert "365 Tage nach dem Ende Ihres Zugangs" in confirm and "/delete" in confirm
    assert "/delete" in services.partners.screens["de"].help_text()
    text = record(DE, services.settings, T0.date())
    assert "Daten der Ansprechpersonen von Partnern 365 Tage nach dem Ende ihres Zugangs" in text


async def test_a_contact_deletes_their_data_after_being_asked(services: Services) -> None:
    store, partners = services.store, services.partners
    await join(services, CONTACT, NAME)
    await join(services, OTHER, "Herr Bleibt")
    submission = None
    async with store.transaction():  # a request this contact answered: the answer stays AWO's
        await store.set_language(5, "tr")
        submission = await store.create_submission(5, "mso-needs", "1")
        request = await RequestStore(store).add(5, submission.id, "awo", ["funding"])
        assert request is not None
        await partners.answers.answer(CONTACT, request, True, Outcome())
    assert traces(services.settings.database, CONTACT, NAME)

    asked = await partners.command(Visitor(CONTACT, "de", 1), "delete")
    question = asked.messages[-1]
    assert question.text.startswith("Alles löschen, was über Sie als Ansprechperson gespeichert ist?")
    kept = await partners.press(Visitor(CONTACT, "de", 2), "Q:k", None, takes_part=False)
    assert kept.messages[-1].text == DE.gettext("Nothing was deleted.")
    assert await PartnerStore(store).contact(CONTACT) is not None

    yes = next(b.action for row in question.buttons for b in row if b.label == DE.gettext("Yes, delete"))
    done = await partners.press(Visitor(CONTACT, "de", 3), yes, None, takes_part=False)
    assert done.messages[-1].text == DE.gettext("Everything stored about you as a partner contact has been deleted. "
                                                "Goodbye!")
    assert traces(services.settings.database, CONTACT, NAME) == []
    assert not partners.knows(CONTACT) and partners.knows(OTHER)
    answered = await RequestStore(store).get(request)
    assert answered is not None and answered.state == "accepted" and answered.answered_by is None
    told = await store.fetch_all("SELECT payload FROM outbox WHERE chat_id = ? AND purpose = 'staff'", STAFF_ID)
    assert len(told) == 1 and NAME not in told[0]["payload"]
    assert "Eine Ansprechperson von „AWO Kreisverband Wuppertal (Beispiel)“ hat ihre Daten gelöscht und erhält " \
           "nichts mehr; 1 Ansprechperson von" in told[0]["payload"]
    assert await store.fetch_one("SELECT 1 FROM meta WHERE key = 'erasure_waiting'") is None  # the log emptied


async def test_a_contact_whose_access_ended_can_still_delete(services: Services) -> None:
    await join(services, CONTACT, NAME)
    async with services.store.transaction():
        await services.partners.revoke(str(CONTACT), STAFF_ID, services.partners.screens["de"])
    assert (await services.partners.command(Visitor(CONTACT, "de", 1), "delete")).messages[-1].buttons
    await services.partners.press(Visitor(CONTACT, "de", 2), "Q:x", None, takes_part=False)
    assert traces(services.settings.database, CONTACT, NAME) == []


async def test_contacts_are_kept_a_year_after_access_ended_or_last_use(services: Services) -> None:
    store, clock = services.store, services.store.clock
    assert isinstance(clock, Clock)
    await join(services, CONTACT, NAME)  # active, last used at T0
    await join(services, OTHER, "Herr Entzogen")  # revoked at T0 + 10 days, not used since joining
    clock.now = T0 + timedelta(days=10)
    async with store.transaction():
        await services.partners.revoke(str(OTHER), STAFF_ID, services.partners.screens["de"])
    clock.now = T0 + CONTACT_KEEP - timedelta(hours=1)
    assert (await services.privacy.purge()).partner_contacts == 0
    clock.now = T0 + CONTACT_KEEP + timedelta(hours=1)  # a year after the active one's last use
    assert (await services.privacy.purge()).partner_contacts == 1
    assert traces(services.settings.database, CONTACT, NAME) == []
    assert await PartnerStore(store).contact(OTHER) is not None  # revoked later: its year is not over
    clock.now = T0 + timedelta(days=10) + CONTACT_KEEP - timedelta(hours=1)
    assert (await services.privacy.purge()).partner_contacts == 0
    clock.now = T0 + timedelta(days=10) + CONTACT_KEEP + timedelta(hours=1)
    assert (await services.privacy.purge()).partner_contacts == 1
    assert await store.fetch_all("SELECT * FROM partner_contacts") == []
