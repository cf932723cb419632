"""Partner contacts over the real Application and the stub Bot API (issue 19): staff invite AWO,
its contact joins by the deep link, reads the anonymised needs, never reaches the survey or a
staff command, and loses access at once when staff revoke it."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.catalog.importer import SAMPLE
from bot.cli.partners import invite as invite_command
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, fill_in, role
from tests.helpers.running import Processed, digest_delivered, running_bot
from tests.test_suggestions_e2e import NEEDY, complete, import_catalog

STAFF_ID = 501
CONTACT_ID = 7001
DE = Catalogs(domain=STAFF_DOMAIN).translator("de")
MAIN = Catalogs().translator("de")
LINK = re.compile(r"https://t\.me/msobot_test_bot\?start=(p_[A-Za-z0-9_-]+)")
AWO = "AWO Kreisverband Wuppertal (Beispiel)"
PEER_CONTACT = "+49 202 555 0199"


def plan(**needs: str) -> dict[str, object]:
    return {**NEEDY, "contact_professionals": "no", "professional_orgs": None, "professional_topics": None,
            "need_bookkeeping": "none", "need_bookkeeping_details": None, **needs}


async def world(settings: Settings, bot_api: StubBotAPI) -> tuple[Settings, Processed, Phone, Phone]:
    """The sample catalog, a staff member and a future partner contact."""
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, SAMPLE)
    processed = Processed()
    return (settings, processed, Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed),
            Phone(bot_api, user_id=CONTACT_ID, language_code="de", processed=processed))


async def monthly_claimed(settings: Settings) -> None:
    """The running bot's catch-up of the monthly partner digest has run (2 s after start): no
    contact has joined yet, so nothing of it reaches the conversations these tests read."""
    for _ in range(500):
        with sqlite3.connect(settings.database) as db:
            if db.execute("SELECT COUNT(*) FROM partner_digests").fetchone()[0]:
                return
        await asyncio.sleep(0.02)
    raise TimeoutError("the monthly partner digest's catch-up did not run")


async def invite(staff: Phone) -> str:
    new = await staff.send("/partner invite awo")
    found = LINK.search(new[-1].text)
    assert found, new[-1].text
    return found.group(1)


async def test_a_partner_contact_joins_reads_needs_and_loses_access(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, SAMPLE)  # the sample partners: AWO among them
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    contact = Phone(bot_api, user_id=CONTACT_ID, language_code="de", processed=processed)
    stranger = Phone(bot_api, user_id=7002, language_code="de", processed=processed)
    associations = [Phone(bot_api, user_id=1000 + n, language_code="tr", processed=processed) for n in range(3)]
    async with running_bot(settings, bot_api, processed):
        await digest_delivered(settings)
        await monthly_claimed(settings)
        # Three associations that agreed to sharing: all need help with funding (shown: 3 reads 5),
        # one with volunteers (not shown).
        await complete_sharing(associations[0], "tr", "Verein A", plan(need_funding="urgent", need_volunteers="some"))
        await complete_sharing(associations[1], "tr", "Verein B", plan(need_funding="some"))
        await complete_sharing(associations[2], "tr", "Verein C", plan(need_funding="big"))
        await staff.send("/partner publish")

        parameter = await invite(staff)
        assert DE.gettext("Invitation for “{partner}”, valid once until {date}. Send this link to the contact "
                          "person:").split("„")[0] in staff.last().text

        # The contact opens the link, confirms the organisation, and is one.
        confirm = (await contact.send(f"/start {parameter}"))[-1]
        assert AWO in confirm.text
        joined = await contact.tap(lambda d: d.startswith("Q:y"), message=confirm)
        assert DE.gettext("You are now a contact of “{partner}”.").format(partner=AWO) in joined[-1].text

        # The same link a second time, by someone else: used.
        used = await stranger.send(f"/start {parameter}")
        assert used[-1].text == DE.gettext("This invitation link has already been used. Each link works once; "
                                           "please ask the integration office for a new one.")

        # /needs: as published, rounded to 5 where at least three associations are behind it.
        needs = (await contact.send("/needs"))[-1].text
        funding = next(block for block in needs.split("\n\n") if MAIN.gettext("Funding applications") in block)
        assert DE.gettext("{count} associations").format(count="5") in funding
        assert "Barmen 5" in funding  # all three in the same district
        volunteers = next(b for b in needs.split("\n\n") if MAIN.gettext("Finding and keeping volunteers") in b)
        assert DE.gettext("{count} associations").format(count=DE.gettext("fewer than 3")) in volunteers
        assert "Verein A" not in needs and "1000" not in needs  # nobody one by one

        # Never the survey, never a staff command.
        answers = (await contact.send("/answers"))[-1].text
        assert answers.startswith(DE.gettext("This is not available to partner contacts."))
        refused = (await contact.send("/export"))[-1].text
        assert "Verein A" not in refused
        assert not any(c.method == "sendDocument" and int(c.params["chat_id"]) == CONTACT_ID for c in bot_api.calls)

        # Staff see the contact and end its access; it takes effect at once.
        listing = (await staff.send("/partner list"))[-1].text
        assert AWO in listing and f"id {CONTACT_ID}" in listing
        await staff.send(f"/partner revoke {CONTACT_ID}")
        after = (await contact.send("/needs"))[-1].text
        assert after == DE.gettext("Your access as a partner contact has ended. If this is a mistake, please "
                                   "contact the integration office.")
    with sqlite3.connect(settings.database) as db:
        kinds = [r[0] for r in db.execute("SELECT kind FROM events WHERE kind LIKE 'partner_%' "
                                         "AND kind != 'partner_digest_queued' ORDER BY id")]
        hashes = [r[0] for r in db.execute("SELECT token_hash FROM partner_invites")]
    assert kinds == ["partner_figures_published", "partner_figures_published", "partner_invited", "partner_joined",
                     "partner_needs_viewed", "partner_revoked"]
    assert parameter[2:] not in hashes[0]  # only a hash of the token is kept


async def test_a_bad_invitation_gets_a_clear_answer(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, SAMPLE)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    someone = Phone(bot_api, user_id=7003, language_code="en", processed=processed)
    en = Catalogs(domain=STAFF_DOMAIN).translator("en")
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        forged = await someone.send("/start p_AAAAAAAAAAAAAAAAAAAAAA")
        assert forged[-1].text == en.gettext("This invitation link is not valid. Please ask the integration "
                                             "office for a new one.")
        unknown = await staff.send("/partner invite nobody")
        assert "awo" in unknown[-1].text  # the ids there are
        parameter = await invite(staff)
        own = await staff.send(f"/start {parameter}")  # staff cannot be partner contacts
        assert own[-1].text == DE.gettext("Staff accounts of the integration office cannot become partner contacts.")
        declined = await someone.send(f"/start {parameter}")
        await someone.tap(lambda d: d == "Q:n", message=declined[-1])
        assert someone.last().text == en.gettext("Nothing was stored. If this link reached you by mistake, please "
                                                 "tell the integration office.")
        # Not a contact: the survey as for anyone.
        survey = await someone.send("/start")
        assert any(b["callback_data"].startswith("L:") for b in survey[-1].buttons())


async def test_msobot_partner_invite_prints_a_one_time_link(settings: Settings,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    await import_catalog(settings, SAMPLE)
    named = settings.model_copy(update={"bot_username": "wuppertal_mso_bot"})
    assert await invite_command(named, "AWO") == 0
    printed = capsys.readouterr().out
    token = re.search(r"https://t\.me/wuppertal_mso_bot\?start=p_([A-Za-z0-9_-]{22})\b", printed)
    assert token, printed
    assert await invite_command(named, "nobody") == 1
    assert "awo" in capsys.readouterr().out  # the ids there are
    with sqlite3.connect(settings.database) as db:
        rows = db.execute("SELECT partner_id, created_by, used_at FROM partner_invites").fetchall()
    assert rows == [("awo", None, None)]


async def complete_sharing(phone: Phone, language: str, name: str, answers: dict[str, object]) -> None:
    """As `complete`, agreeing that name and needs may be passed on to partner organisations."""
    await phone.send("/start")
    await phone.tap(lambda d: d == f"L:{language}")
    await phone.tap(lambda d: d == "C:t01")
    await phone.tap(lambda d: d == "C:y01")
    await fill_in(phone, answers, name)  # type: ignore[arg-type]
    await phone.tap(role("F"))


async def test_a_contact_request_reaches_the_partner_and_the_answer_the_association(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings, processed, staff, contact = await world(settings, bot_api)
    sharing, private, declined = (Phone(bot_api, user_id=1000 + n, language_code="tr", processed=processed)
                                  for n in range(3))
    wish = plan(need_funding="urgent", contact_professionals="yes", professional_orgs=["welfare"],
                professional_topics=["funding"])
    turkish = Catalogs().translator("tr")
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await join(staff, contact)

        since = len(bot_api.calls)
        await complete_sharing(sharing, "tr", "Elternverein Oberbarmen e.V.", wish)
        await complete(private, "tr", "Verein ohne Weitergabe", wish)  # did not agree to sharing: no request
        card = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                                      and "📨" in str(c.params.get("text")), since=since)
        assert "Elternverein Oberbarmen e.V." in card.params["text"]
        assert MAIN.gettext("Funding applications") in card.params["text"]
        card_message = next(m for m in contact.bot_messages() if m.text.startswith("📨"))
        waiting = (await staff.send("/partner list"))[-1].text
        assert DE.gettext("contact requests waiting for an answer: {count}").format(count="1") in waiting

        since = len(bot_api.calls)
        await contact.tap(lambda d: d.startswith("Q:a"), message=card_message)
        expected = turkish.gettext("“{partner}” will get in touch with you about your request for advice.")
        told = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1000
                                      and expected.split("{partner}")[1][:20] in str(c.params.get("text")),
                                      since=since)
        assert AWO in told.params["text"]

        # A second association's request, declined: the office hears of it.
        since = len(bot_api.calls)
        await complete_sharing(declined, "tr", "Kulturverein Vohwinkel", wish)
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                               and "Kulturverein Vohwinkel" in str(c.params.get("text")), since=since)
        second = next(m for m in contact.bot_messages() if "Kulturverein Vohwinkel" in m.text)
        since = len(bot_api.calls)
        await contact.tap(lambda d: d.startswith("Q:d"), message=second)
        office = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == STAFF_ID
                                        and "Kulturverein Vohwinkel" in str(c.params.get("text")), since=since)
        assert AWO in office.params["text"]
        # An answered card keeps its text and loses its buttons.
        assert not next(m for m in contact.bot_messages() if m.message_id == card_message.message_id).buttons()
        # Both sides find the request in /mydata: the association with who answered, the contact with its answers.
        since = len(bot_api.calls)
        await sharing.send("/mydata")
        await contact.send("/mydata")
        await bot_api.wait_for(lambda c: c.method == "sendDocument" and int(c.params["chat_id"]) == CONTACT_ID,
                               since=since)
        await bot_api.wait_for(lambda c: c.method == "sendDocument" and int(c.params["chat_id"]) == 1000,
                               since=since)
    files = {chat: json.loads(content) for chat, _name, content, _caption in bot_api.documents}
    (request,) = files[1000]["contact_requests"]
    assert (request["organisation"], request["state"], request["topics"]) == ("awo", "accepted", ["funding"])
    assert request["answered_by"]  # the contact person's name
    assert files[CONTACT_ID]["partner_contact"]["partner_id"] == "awo"
    assert [r["state"] for r in files[CONTACT_ID]["answered_requests"]] == ["accepted", "declined"]
    with sqlite3.connect(settings.database) as db:
        rows = db.execute("SELECT user_id, partner_id, state FROM contact_requests ORDER BY id").fetchall()
    assert rows == [(1000, "awo", "accepted"), (1002, "awo", "declined")]


async def test_a_partner_sees_interest_in_its_workshops(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    await import_catalog(settings, SAMPLE)  # Der Paritätische offers "Kassenbuch und Belege" in Barmen, in Turkish
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    contact = Phone(bot_api, user_id=CONTACT_ID, language_code="de", processed=processed)
    association = Phone(bot_api, user_id=1000, language_code="tr", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        new = await staff.send("/partner invite paritaet")
        parameter = LINK.search(new[-1].text).group(1)  # type: ignore[union-attr]
        confirm = (await contact.send(f"/start {parameter}"))[-1]
        await contact.tap(lambda d: d.startswith("Q:y"), message=confirm)
        empty = (await contact.send("/myworkshops"))[-1].text
        assert "Kassenbuch und Belege für Vereine" in empty and DE.gettext("Associations interested: {count}").format(
            count="0") in empty

        since = len(bot_api.calls)
        await complete_sharing(association, "tr", "Elternverein Oberbarmen e.V.", dict(NEEDY))
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1000
                               and "Dernekler için kasa defteri" in str(c.params.get("text")), since=since)
        card = next(m for m in association.bot_messages() if "Dernekler için kasa defteri" in m.text)
        since = len(bot_api.calls)
        await association.tap(lambda d: d.startswith("G:") and d.endswith(":i"), message=card)
        news = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                                      and "👥" in str(c.params.get("text")), since=since)
        assert "Kassenbuch und Belege für Vereine" in news.params["text"]
        listing = (await contact.send("/myworkshops"))[-1].text
        assert DE.gettext("Associations interested: {count}").format(count="1") in listing
        assert "Elternverein Oberbarmen e.V." in listing  # it agreed that its name may be passed on


async def join(staff: Phone, contact: Phone) -> None:
    """Staff invite AWO; the contact opens the link and confirms."""
    parameter = await invite(staff)
    confirm = (await contact.send(f"/start {parameter}"))[-1]
    await contact.tap(lambda d: d.startswith("Q:y"), message=confirm)


async def propose(contact: Phone, title: str, start: datetime) -> None:
    """The partner's walk through /workshop: the same steps as staff, without choosing a provider."""
    await contact.send("/workshop")
    await contact.send(title)
    await contact.tap(lambda d: d == "Z:topic:bookkeeping")
    await contact.tap(lambda d: d == "Z:topics:done")
    past = await contact.send((start - timedelta(days=60)).strftime("%d.%m.%Y %H:%M"))
    assert DE.gettext("That is in the past. Please type a date in the future.") in past[0].text
    await contact.send(start.strftime("%d.%m.%Y %H:%M"))
    await contact.send("21:00")
    await contact.tap(lambda d: d == "Z:place:barmen")
    await contact.send("Werth 1, 42275 Wuppertal")
    await contact.tap(lambda d: d == "Z:language:tr")
    await contact.tap(lambda d: d == "Z:languages:done")
    await contact.send("kasse@example.org")  # no provider step: it is the partner's own
    await contact.send("15")
    await contact.tap(lambda d: d == "Z:cost:free")
    await contact.tap(lambda d: d == "Z:save:yes")


async def test_a_partner_proposes_a_workshop_staff_approve_and_it_reaches_the_association(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings, processed, staff, contact = await world(settings, bot_api)
    association = Phone(bot_api, user_id=1000, language_code="tr", processed=processed)
    start = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=20)).replace(hour=18, minute=0, second=0,
                                                                                   microsecond=0)
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await join(staff, contact)
        await complete_sharing(association, "tr", "Elternverein Oberbarmen e.V.", dict(NEEDY))

        since = len(bot_api.calls)
        await propose(contact, "Kassenbuch für Vereine", start)
        card = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == STAFF_ID
                                      and "📝" in str(c.params.get("text")), since=since)
        assert "Kassenbuch für Vereine" in card.params["text"] and AWO in card.params["text"]
        with sqlite3.connect(settings.database) as db:  # nothing in the catalog before staff decide
            assert db.execute("SELECT COUNT(*) FROM workshops WHERE json_extract(data, '$.provider') = 'awo'"
                              ).fetchone() == (0,)
        proposal = next(m for m in staff.bot_messages() if m.text.startswith("📝"))

        since = len(bot_api.calls)
        await staff.tap(lambda d: d.startswith("Z:proposal:a"), message=proposal)
        push = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1000
                                      and "Kassenbuch für Vereine" in str(c.params.get("text")), since=since)
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                               and "Kassenbuch für Vereine" in str(c.params.get("text")), since=since)
        card_message = next(m for m in association.bot_messages() if m.text == push.params["text"])
        since = len(bot_api.calls)
        await association.tap(lambda d: d.startswith("G:") and d.endswith(":i"), message=card_message)
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                               and "👥" in str(c.params.get("text")), since=since)
        listing = (await contact.send("/myworkshops"))[-1].text
        assert "Kassenbuch für Vereine" in listing and "Elternverein Oberbarmen e.V." in listing

        # A second proposal, rejected with a reason the partner receives.
        since = len(bot_api.calls)
        await propose(contact, "Vereinskasse kompakt", start + timedelta(days=7))
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == STAFF_ID
                               and "Vereinskasse kompakt" in str(c.params.get("text")), since=since)
        second = next(m for m in staff.bot_messages() if "Vereinskasse kompakt" in m.text and m.text.startswith("📝"))
        await staff.tap(lambda d: d.startswith("Z:proposal:r"), message=second)
        since = len(bot_api.calls)
        await staff.send("Am selben Tag gibt es schon ein Angebot.")
        told = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                                      and "Am selben Tag gibt es schon ein Angebot." in str(c.params.get("text")),
                                      since=since)
        assert "Vereinskasse kompakt" in told.params["text"]
    with sqlite3.connect(settings.database) as db:
        states = db.execute("SELECT state, reason IS NOT NULL FROM proposals ORDER BY id").fetchall()
        providers = db.execute("SELECT json_extract(data, '$.provider') FROM workshops WHERE source = 'partner'"
                               ).fetchall()
    assert states == [("approved", 0), ("rejected", 1)] and providers == [("awo",)]


STORY_PARTNERS = [
    {"id": "awo", "name": AWO, "kind": "welfare", "topics": ["bookkeeping", "funding"], "languages": ["de", "tr"],
     "district": "elberfeld", "contact": {"email": "awo@example.org"}},
    {"id": "vhs", "name": "Bergische VHS", "kind": "vhs", "topics": ["digital"], "languages": ["de"],
     "district": "elberfeld", "contact": {"email": "vhs@example.org"}},
]


async def test_the_whole_story_of_issue_19(settings: Settings, bot_api: StubBotAPI, tmp_path: Path) -> None:
    """Staff invite AWO; its contact joins; three associations complete the questionnaire, two asking
    for AWO's advice on bookkeeping, one of them consenting to sharing; /needs shows real and
    suppressed counts; the consenting one's request reaches AWO, is accepted, and the association
    is told in Turkish; AWO proposes a workshop, staff approve, the association gets the push, taps
    "Interested", and /myworkshops names it; after a restart nothing is sent twice."""
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"partners": STORY_PARTNERS, "workshops": []}, allow_unicode=True),
                       encoding="utf-8")
    await import_catalog(settings, catalog)
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    contact = Phone(bot_api, user_id=CONTACT_ID, language_code="de", processed=processed)
    sharing, private, other = (Phone(bot_api, user_id=1000 + n, language_code="tr", processed=processed)
                               for n in range(3))
    asks = {"contact_professionals": "yes", "professional_orgs": ["welfare"], "professional_topics": ["bookkeeping"]}
    book = {"need_bookkeeping_details": ["cashbook"]}
    turkish = Catalogs().translator("tr")
    start = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=20)).replace(hour=18, minute=0, second=0,
                                                                                   microsecond=0)
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await join(staff, contact)
        # It gives a contact for other associations, but agrees to sharing only, not to networking.
        await complete_sharing(sharing, "tr", "Elternverein Oberbarmen e.V.",
                               plan(need_bookkeeping="urgent", network_msos="yes", peer_contact=PEER_CONTACT,
                                    **book, **asks))
        await complete(private, "tr", "Verein ohne Weitergabe", plan(need_bookkeeping="big", **book, **asks))
        await complete(other, "tr", "Kulturverein", plan(need_bookkeeping="some", need_funding="urgent", **book))
        await staff.send("/partner publish")

        needs = (await contact.send("/needs"))[-1].text.split("\n\n")
        bookkeeping = next(b for b in needs if MAIN.gettext("Bookkeeping and finances") in b)
        funding = next(b for b in needs if MAIN.gettext("Funding applications") in b)
        # Three need bookkeeping, one of them agreed to sharing: only that one counts.
        assert DE.gettext("{count} associations").format(count=DE.gettext("fewer than 3")) in bookkeeping
        assert DE.gettext("{count} associations").format(count=DE.gettext("fewer than 3")) in funding

        card = next(m for m in contact.bot_messages() if m.text.startswith("📨"))
        assert "Elternverein Oberbarmen e.V." in card.text
        assert PEER_CONTACT not in card.text  # no networking consent: the office's route instead
        assert DE.gettext("How to reach it: {contact}").format(
            contact=DE.gettext("through the integration office")) in card.text
        assert not [m for m in contact.bot_messages() if "Verein ohne Weitergabe" in m.text]  # no consent: no card
        since = len(bot_api.calls)
        await contact.tap(lambda d: d.startswith("Q:a"), message=card)
        told = turkish.gettext("“{partner}” will get in touch with you about your request for advice.")
        in_turkish = told.split("{partner}")[1]  # ” danışmanlık talebiniz için sizinle iletişime geçecek.
        assert "danışmanlık" in in_turkish
        answer = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1000
                                        and in_turkish in str(c.params.get("text")), since=since)
        assert AWO in answer.params["text"]

        since = len(bot_api.calls)
        await propose(contact, "Kassenbuch für Vereine", start)
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == STAFF_ID
                               and "📝" in str(c.params.get("text")), since=since)
        since = len(bot_api.calls)
        await staff.tap(lambda d: d.startswith("Z:proposal:a"),
                        message=next(m for m in staff.bot_messages() if m.text.startswith("📝")))
        push = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1000
                                      and "Kassenbuch für Vereine" in str(c.params.get("text")), since=since)
        since = len(bot_api.calls)
        await sharing.tap(lambda d: d.startswith("G:") and d.endswith(":i"),
                          message=next(m for m in sharing.bot_messages() if m.text == push.params["text"]))
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == CONTACT_ID
                               and "👥" in str(c.params.get("text")), since=since)
        mine = (await contact.send("/myworkshops"))[-1].text
        assert DE.gettext("Associations interested: {count}").format(count="1") in mine
        assert "Elternverein Oberbarmen e.V." in mine and PEER_CONTACT not in mine
    sent_before = len(bot_api.calls)
    async with running_bot(settings, bot_api, processed):  # a restart: nothing of it again
        await monthly_claimed(settings)
        await contact.send("/help")
    again = [c for c in bot_api.calls[sent_before:] if c.method == "sendMessage"
             and int(c.params["chat_id"]) in (1000, 1001, 1002, STAFF_ID)]
    assert again == []
    assert len([m for m in contact.bot_messages() if m.text.startswith("📨")]) == 1
