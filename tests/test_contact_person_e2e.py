"""The association's contact person for the office and partners (issue 28), over the real
Application and the strict stub Bot API: offered after completing with a contact request, given on
the card's button, refused politely when the phone or e-mail is not one, passed on to the contact
of the organisation asked (a follow-up, once; `/needs`), never to another organisation; the card
of a later round shows it, and so does the first card of one given before completing; removed in
/settings, cards and `/needs` go back to "through the integration office"."""

from __future__ import annotations

import sqlite3

from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, fill_in, role
from tests.helpers.running import running_bot
from tests.test_partners_e2e import CONTACT_ID, LINK, monthly_claimed, plan, world

TR = Catalogs().translator("tr")
DE = Catalogs(domain=STAFF_DOMAIN).translator("de")
OTHER_ID = 7002  # a contact of the integration centre (kiz), which nobody asks here
WISH = plan(need_funding="urgent", contact_professionals="yes", professional_orgs=["welfare"],
            professional_topics=["funding"])
PERSON, PHONE = "Vorsitzende Ayşe Demir", "+49 202 555 0100"
VIA_OFFICE = DE.gettext("How to reach it: {contact}").format(contact=DE.gettext("through the integration office"))


def shows_person(text: str) -> bool:
    return PERSON in text and PHONE in text


async def join(staff: Phone, contact: Phone, partner: str) -> None:
    new = await staff.send(f"/partner invite {partner}")
    found = LINK.search(new[-1].text)
    assert found, new[-1].text
    confirm = (await contact.send(f"/start {found.group(1)}"))[-1]
    await contact.tap(lambda d: d.startswith("Q:y"), message=confirm)


async def on_board(phone: Phone) -> None:
    """Turkish, agreeing that name and needs may be passed on: the first question is shown."""
    await phone.send("/start")
    await phone.tap(lambda d: d == "L:tr")
    await phone.tap(lambda d: d == "C:t01")
    await phone.tap(lambda d: d == "C:y01")


async def finish(phone: Phone, name: str) -> None:
    await fill_in(phone, WISH, name)  # type: ignore[arg-type]
    await phone.tap(role("F"))


async def give_in_settings(phone: Phone) -> None:
    shown = await phone.send("/settings")
    await phone.tap(lambda d: d == "W:add", message=shown[-1])
    await phone.send(PERSON)
    await phone.send(PHONE)


async def card_for(bot_api: StubBotAPI, name: str, since: int) -> str:
    call = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                                  and "📨" in str(c.params.get("text")) and name in str(c.params.get("text")),
                                  since=since)
    return str(call.params["text"])


async def test_a_contact_person_reaches_only_the_partner_asked(settings: Settings, bot_api: StubBotAPI) -> None:
    settings, processed, staff, contact = await world(settings, bot_api)
    other = Phone(bot_api, user_id=OTHER_ID, language_code="de", processed=processed)
    first, second, third = (Phone(bot_api, user_id=1000 + n, language_code="tr", processed=processed)
                            for n in range(3))
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await join(staff, contact, "awo")
        await join(staff, other, "kiz")

        # It completes asking for welfare associations: AWO's card goes out through the office, and
        # the association is offered a contact person, with its purpose.
        since = len(bot_api.calls)
        await on_board(first)
        await finish(first, "Elternverein Oberbarmen e.V.")
        assert VIA_OFFICE in await card_for(bot_api, "Elternverein Oberbarmen e.V.", since)
        offer = next(m for m in first.bot_messages() if any(b["callback_data"] == "W:add" for b in m.buttons()))
        assert "AWO Kreisverband Wuppertal (Beispiel)" in offer.text and "/settings" in offer.text
        assert "Kinder- und Jugendhilfe" not in offer.text

        # Wrong inputs are refused politely, in its language; nothing is lost.
        await first.tap(lambda d: d == "W:add", message=offer)
        refused = await first.send("12")
        assert refused[-1].text == "⚠️ " + TR.gettext("Please type a name or a role of at most 80 characters.")
        await first.send(PERSON)
        for wrong in ("morgen anrufen", "0202", "name@example", "+49 202 +555"):
            refused = await first.send(wrong)
            assert refused[-1].text == "⚠️ " + TR.gettext(
                "That does not look like a phone number or an e-mail address. Please type a phone number (digits, "
                "+ and spaces, for example +49 202 1234567) or an e-mail address (for example name@example.org).")
        since = len(bot_api.calls)
        saved = await first.send(PHONE)
        assert shows_person(saved[-1].text)

        # AWO's contact, who holds the card already, hears of it once; /needs lists it.
        follow_up = await bot_api.wait_for(lambda c: c.method == "sendMessage"
                                           and int(c.params["chat_id"]) == CONTACT_ID
                                           and "👤" in str(c.params.get("text")), since=since)
        assert shows_person(str(follow_up.params["text"])) and "Elternverein Oberbarmen e.V." in str(
            follow_up.params["text"])
        needs = (await contact.send("/needs"))[-1].text
        assert shows_person(needs) and "Elternverein Oberbarmen e.V." in needs

        # A later round: it answers again, and the new card shows the contact person (no offer again).
        since = len(bot_api.calls)
        await staff.send("/round 2027")
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1000
                               and "O:" in str(c.params.get("reply_markup")), since=since)
        await first.tap(lambda d: d.startswith("O:"), message=first.bot_messages()[-1])
        await finish(first, "Elternverein Oberbarmen e.V.")
        card = await card_for(bot_api, "Elternverein Oberbarmen e.V.", since)
        assert shows_person(card) and VIA_OFFICE not in card
        offered = TR.gettext("A contact person for your request")
        assert len([m for m in first.bot_messages() if offered in m.text]) == 1

        # Given before completing: the card shows it, and no follow-up is needed.
        since = len(bot_api.calls)
        await on_board(second)
        await give_in_settings(second)
        await finish(second, "Kulturverein Vohwinkel")
        card = await card_for(bot_api, "Kulturverein Vohwinkel", since)
        assert shows_person(card) and VIA_OFFICE not in card
        assert not [m for m in second.bot_messages() if offered in m.text]  # it named one already

        # Given, then removed in /settings: the card goes back to "through the integration office".
        since = len(bot_api.calls)
        await on_board(third)
        await give_in_settings(third)
        shown = await third.send("/settings")
        removed = await third.tap(lambda d: d == "W:remove", message=shown[-1])
        assert removed[-1].text.startswith("🗑")
        assert (await third.send("/settings"))[-1].buttons()[0]["callback_data"] == "W:add"
        await finish(third, "Sportverein Ronsdorf")
        card = await card_for(bot_api, "Sportverein Ronsdorf", since)
        assert VIA_OFFICE in card and PERSON not in card

        # The first removes its own: /needs goes back too, and the partner is told nothing more.
        since = len(bot_api.calls)
        shown = await first.send("/settings")
        assert shows_person(shown[-1].text)
        await first.tap(lambda d: d == "W:remove", message=shown[-1])
        needs = (await contact.send("/needs"))[-1].text
        block = next(b for b in needs.split("▪") if "Elternverein Oberbarmen e.V." in b)
        assert PERSON not in block and VIA_OFFICE in block
        assert not [c for c in bot_api.calls[since:] if c.method == "sendMessage"
                    and int(c.params["chat_id"]) == CONTACT_ID and "👤" in str(c.params.get("text"))]

        # The contact of an organisation nobody asked never sees it.
        other_needs = (await other.send("/needs"))[-1].text
        assert PERSON not in other_needs and "Vohwinkel" not in other_needs
    to_other = [str(c.params.get("text")) for c in bot_api.calls if c.method == "sendMessage"
                and int(c.params["chat_id"]) == OTHER_ID]
    assert to_other and not [t for t in to_other if PERSON in t or PHONE in t]
    follow_ups = [c for c in bot_api.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                  and str(c.params.get("text")).startswith("👤")]
    assert len(follow_ups) == 1  # exactly once
    with sqlite3.connect(settings.database) as db:
        assert db.execute("SELECT user_id, name, reach FROM contact_persons").fetchall() == [(1001, PERSON, PHONE)]
