"""Text a partner contact controls (the Telegram name, a proposed workshop's title, a reason) is
cleaned like associations' text and isolated wherever another person reads it; association names
are isolated wherever partners and staff read them (issue 26)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.catalog.importer import SAMPLE
from bot.catalog.model import Partner, Workshop
from bot.kernel.settings import Settings
from bot.kernel.text import FSI, PDI
from bot.partners.invites import token_of
from bot.services import open_services
from bot.staff.catalog_import import import_file
from bot.storage.partners import ContactRequest
from bot.suggestions.matching import NeedProfile
from bot.survey.turns import Visitor

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "(id 7001)" after it reads backwards
EVIL = f"Anna{OVERRIDE} Müller\u200b"
ASSOCIATION = f"Verein {OVERRIDE}e.V."


def isolated_in(text: str, inner: str) -> bool:
    return f"{FSI}{inner}{PDI}" in text


async def test_a_contacts_name_is_cleaned_when_it_joins_and_isolated_for_staff(settings: Settings) -> None:
    services = await open_services(settings)
    try:
        await import_file(services.suggestions, SAMPLE)
        partners = services.partners
        async with services.store.transaction():
            text = await partners.invite("awo", None, partners.screens["de"])
        token = token_of(text.rsplit("start=", 1)[1].split()[0])
        assert token is not None
        confirm = await partners.start(Visitor(7001, "de", 1), f"p_{token}", is_staff=False, takes_part=False)
        button = confirm.messages[0].buttons[0][0].action
        await partners.press(Visitor(7001, "de", 2), button, EVIL, takes_part=False)
        contact = await partners.data.contact(7001)
        assert contact is not None and contact.name == "Anna Müller"  # no override, no zero-width space
        listing = await partners.listing(partners.screens["de"])
        assert OVERRIDE not in listing and isolated_in(listing, "Anna Müller") and f"{PDI} (id 7001)" in listing
        async with services.store.transaction():  # a row stored before names were cleaned
            await services.store.db.execute("UPDATE partner_contacts SET name = ? WHERE user_id = 7001", (EVIL,))
        listing = await partners.listing(partners.screens["de"])
        assert OVERRIDE not in listing and isolated_in(listing, "Anna Müller")
    finally:
        await services.close()


async def test_a_proposed_title_is_cleaned_refused_with_a_link_and_isolated_for_associations(
        settings: Settings) -> None:
    services = await open_services(settings)
    try:
        flow = services.staff.workshops.flow
        now = datetime(2027, 1, 10, tzinfo=UTC)
        data: dict[str, object] = {}
        assert flow.typed("title", data, "Kassenbuch https://evil.example/login", now) is not None
        assert flow.typed("title", data, "Kassenbuch t.me/evil_bot", now) is not None
        assert "title" not in data
        assert flow.typed("title", data, f"Kassen{OVERRIDE}buch\u2066 für Vereine", now) is None
        assert data["title"] == "Kassenbuch für Vereine"

        workshop = Workshop.model_validate({
            "id": "p1", "title": {"de": f"Kurs {OVERRIDE}X"}, "description": {"de": f"Mehr {OVERRIDE}dazu"},
            "topics": ["bookkeeping"], "languages": ["de"], "start": now + timedelta(days=20),
            "end": now + timedelta(days=20, hours=2), "online": True, "provider": "awo", "registration": {"link": "https://x.example"}})
        card = services.suggestions.screens("ar").workshop_text(workshop, None)
        assert card.startswith(f"📅 {FSI}Kurs {OVERRIDE}X{PDI}") and isolated_in(card, f"Mehr {OVERRIDE}dazu")
        mine = services.partners.screens["de"].my_workshop(workshop, 3, [ASSOCIATION])
        assert isolated_in(mine, f"Kurs {OVERRIDE}X") and isolated_in(mine, ASSOCIATION)
    finally:
        await services.close()


async def test_association_names_are_isolated_in_the_request_card(settings: Settings) -> None:
    services = await open_services(settings)
    try:
        s = services.partners.screens["de"]
        request = ContactRequest(id=1, user_id=5, submission_id=1, partner_id="awo", topics=["bookkeeping"],
                                 state="pending", created_at="2027-01-01T00:00:00+00:00", answered_at=None,
                                 answered_by=None)
        partner = Partner.model_validate({"id": "awo", "name": "AWO", "kind": "welfare", "topics": ["bookkeeping"],
                                          "languages": ["de"], "contact": {"email": "awo@example.org"}})
        card = services.partners.requests.card(s, request, partner, ASSOCIATION,
                                               NeedProfile(user_id=5, contact=f"+49 {OVERRIDE}202"))
        assert OVERRIDE not in card.text.replace(f"+49 {OVERRIDE}202", "")
        assert isolated_in(card.text, "Verein e.V.") and isolated_in(card.text, f"+49 {OVERRIDE}202")
    finally:
        await services.close()
