"""From a completed questionnaire to suggestions, a calendar file, a peer introduction made
both ways, and a new workshop pushed to exactly the associations it fits.

The real Application long-polls the stub Bot API; suggestions reach the phones through the
outbox worker, as in production. The catalog is imported as staff would (`msobot catalog
import`), once before the bot starts and once while it runs, from a separate connection.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.kernel.text import isolated
from bot.services import open_services
from bot.staff.catalog_import import import_file
from tests.helpers.bot_api_stub import Call, StoredMessage, StubBotAPI
from tests.helpers.phone import Phone, Plan, fill_in, role
from tests.helpers.running import Processed, running_bot

BERLIN = ZoneInfo("Europe/Berlin")
TURKISH_TITLE = "Dernekler için kasa defteri"


def next_saturday(days_ahead: int) -> datetime:
    day = datetime.now(BERLIN).date() + timedelta(days=days_ahead)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=BERLIN)


def workshop(id_: str, topics: list[str], languages: list[str], start: datetime, district: str,
             provider: str, title_tr: str | None = None) -> dict[str, object]:
    title = {"de": f"Workshop {id_}"}
    if title_tr:
        title["tr"] = title_tr
    return {"id": id_, "title": title, "topics": topics, "languages": languages,
            "start": start.strftime("%Y-%m-%d %H:%M"), "end": (start + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
            "address": "Werth 1", "district": district, "provider": provider, "capacity": 20,
            "registration": {"link": f"https://example.org/{id_}"}, "cost": 0}


PARTNERS = [
    {"id": "paritaet", "name": "Der Paritätische Wuppertal", "kind": "welfare", "topics": ["bookkeeping", "law"],
     "languages": ["de", "tr"], "district": "elberfeld", "contact": {"email": "paritaet@example.org"}},
    {"id": "vhs", "name": "Bergische VHS", "kind": "vhs", "topics": ["digital", "pr"],
     "languages": ["de", "en"], "district": "elberfeld", "contact": {"email": "vhs@example.org"}},
]


def write_catalog(path: Path, workshops: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"partners": PARTNERS, "workshops": workshops}, allow_unicode=True),
                    encoding="utf-8")
    return path


async def import_catalog(settings: Settings, path: Path) -> dict[int, list[str]]:
    """As `msobot catalog import` does, on a connection of its own."""
    services = await open_services(settings)
    try:
        return (await import_file(services.suggestions, path)).pushed
    finally:
        await services.close()


# A Turkish-speaking association in Barmen with an urgent bookkeeping need, that does not
# offer itself for networking (and so has not given a contact yet).
NEEDY: Plan = {
    "communities": ["turkish"], "district": "barmen", "need_bookkeeping": "urgent",
    "need_bookkeeping_details": ["cashbook"], "contact_professionals": "yes",
    "professional_orgs": ["welfare"], "professional_topics": ["bookkeeping"], "network_msos": "no",
    "strengths": None, "formats": ["workshop"], "times": ["weekends"], "workshop_languages": ["tr"],
    "comments": None,
}
# A German-speaking association in Oberbarmen, experienced in bookkeeping, open to networking.
EXPERIENCED: Plan = {
    "communities": ["balkan"], "district": "oberbarmen", "contact_professionals": "no",
    "network_msos": "yes", "peer_contact": "+49 202 555 0101", "strengths": ["bookkeeping"],
    "formats": ["workshop"], "times": ["evenings"], "workshop_languages": ["de"], "comments": None,
}


async def complete(phone: Phone, language: str, name: str, plan: Plan) -> None:
    await phone.send("/start")
    await phone.tap(lambda d: d == f"L:{language}")
    await phone.tap(lambda d: d == "C:y")
    await fill_in(phone, plan, name)
    await phone.tap(role("F"))


async def test_suggestions_calendar_file_introduction_and_new_offer(
        settings: Settings, bot_api: StubBotAPI, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"quiet_hours": ""})  # the test may run at night
    catalogs = Catalogs()
    turkish = catalogs.translator("tr")
    tr = turkish.gettext
    de = catalogs.translator("de").gettext
    kasse = next_saturday(10)
    await import_catalog(settings, write_catalog(tmp_path / "catalog.yaml", [
        workshop("kasse-tr", ["bookkeeping"], ["tr", "de"], kasse, "barmen", "paritaet", TURKISH_TITLE),
        workshop("pr-ar", ["pr"], ["ar"], next_saturday(12), "elberfeld", "vhs"),
        workshop("law-de", ["law"], ["de"], next_saturday(14), "elberfeld", "paritaet"),
    ]))

    processed = Processed()
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    experienced = Phone(bot_api, user_id=2002, language_code="de", processed=processed)
    quiet = Phone(bot_api, user_id=3003, language_code="de", processed=processed)

    async with running_bot(settings, bot_api, processed):
        # The experienced association completes first; it needs nothing, so nothing fits it.
        await complete(experienced, "de", "Kulturverein Balkan e.V.", EXPERIENCED)
        await experienced.tap(lambda d: d == "V:n1")  # it asked to network: it consents to it too
        nothing = de("Right now we have no offer that fits your answers. We will let you know when "
                     "something suitable comes up.")
        await bot_api.wait_for(experienced.says(nothing))

        # The needy one completes: one intro, then a workshop, a partner and a peer card.
        since = len(bot_api.calls)
        await complete(needy, "tr", "Elternverein Oberbarmen e.V.", NEEDY)
        cards = await wait_for_cards(bot_api, needy, since, 3)
        intro = turkish.ngettext(
            "Based on your answers, here is {count} suggestion for your association. Tap “We're interested” or "
            "“Not for us” below each one.", "Based on your answers, here are {count} suggestions for your "
            "association. Tap “We're interested” or “Not for us” below each one.", 3).format(count=turkish.number(3))
        assert intro in [m.text for m in needy.bot_messages()]
        workshop_card, partner_card, peer_card = cards
        assert TURKISH_TITLE in workshop_card.text  # the title in the reader's language
        bookkeeping, urgent = tr("Bookkeeping and finances"), tr("Urgent")
        assert tr("your need in “{topic}”: “{level}”").format(topic=bookkeeping, level=urgent) in workshop_card.text
        assert tr("on a weekend") in workshop_card.text
        assert tr("in your district ({district})").format(district="Barmen") in workshop_card.text
        assert "Der Paritätische Wuppertal" in partner_card.text
        assert tr("the kind of organisation you asked for") in partner_card.text
        assert "vhs" not in " ".join(m.text.lower() for m in cards)  # no need in pr or digital
        assert "pr-ar" not in str(cards) and "law-de" not in str(cards)
        # The peer stays anonymous until it agrees.
        assert tr("An association from {district} with experience in “{topic}”").format(
            district="Oberbarmen", topic=bookkeeping) in peer_card.text
        assert "Balkan" not in " ".join(m.text for m in needy.bot_messages())

        # "Interested" in the workshop: the card says so, and a calendar file arrives.
        since = len(bot_api.calls)
        await needy.tap(lambda d: d.endswith(":i"), message=workshop_card)
        await bot_api.wait_for(lambda c: c.method == "sendDocument", since=since)
        chat_id, filename, content, caption = bot_api.documents[-1]
        assert (chat_id, filename) == (1001, "kasse-tr.ics")
        ics = content.decode()
        assert "BEGIN:VCALENDAR" in ics and f"SUMMARY:{TURKISH_TITLE}" in ics
        assert "DTSTART:" + kasse.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ") in ics
        assert caption == tr("Open this file to add the workshop to your calendar.")
        noted = bot_api.messages[(1001, workshop_card.message_id)]
        assert tr("We will remind you the day before.") in noted.text and not noted.reply_markup

        # "Not for us" on the partner hides it for good.
        await needy.tap(lambda d: d.endswith(":n"), message=partner_card)
        hidden = bot_api.messages[(1001, partner_card.message_id)]
        assert hidden.text.endswith(tr("Hidden. We will not suggest this again.")) and not hidden.reply_markup

        # Asking to meet the peer: a contact first (a too-short one is refused politely).
        await needy.tap(lambda d: d.endswith(":i"), message=peer_card)
        assert needy.last().text == tr("So that the other association can reach you, please type a phone "
                                       "number, an e-mail address or a Telegram username.")
        refused = await needy.send("x")
        assert refused[0].text.startswith("⚠️")
        since = len(bot_api.calls)
        await needy.send("@elternverein_ob")
        assert needy.last().text.endswith(tr("We have asked the association. If they agree, you will both "
                                              "receive each other's contact details."))
        request_call = await bot_api.wait_for(experienced.says("Elternverein Oberbarmen e.V.", with_buttons=True),
                                              since=since)
        assert de("The association “{name}” would like to exchange experience with your association on "
                  "“{topic}”.").format(name=isolated("Elternverein Oberbarmen e.V."),
                                       topic=de("Bookkeeping and finances")) in request_call.params["text"]
        request = experienced.prompt()
        since = len(bot_api.calls)
        await experienced.tap(role("I"), message=request)  # "Yes, connect us" comes first
        assert de("You are now in touch with “{name}”. Their contact: {contact}").format(
            name=isolated("Elternverein Oberbarmen e.V."), contact=isolated("@elternverein_ob")) \
            in experienced.last().text
        await bot_api.wait_for(needy.says("+49 202 555 0101"), since=since)
        assert tr("You are now in touch with “{name}”. Their contact: {contact}").format(
            name=isolated("Kulturverein Balkan e.V."), contact=isolated("+49 202 555 0101")) in needy.last().text

        # A third association with the same need turns messages about new offers off.
        since = len(bot_api.calls)
        await complete(quiet, "de", "Frauenverein Ronsdorf", {**NEEDY, "workshop_languages": ["tr", "de"]})
        assert len(await wait_for_cards(bot_api, quiet, since, 3)) == 3
        await quiet.send("/settings")
        await quiet.tap(role("P"))
        assert de("Messages about new offers that fit your association are switched off.") in quiet.last().text

        # Staff import two more workshops while the bot runs: the Turkish bookkeeping course
        # reaches exactly the needy association; the law course in Arabic reaches nobody.
        since = len(bot_api.calls)
        pushed = await import_catalog(settings, write_catalog(tmp_path / "more.yaml", [
            workshop("kasse-neu", ["bookkeeping"], ["tr"], next_saturday(20), "barmen", "paritaet"),
            workshop("law-ar", ["law"], ["ar"], next_saturday(21), "barmen", "paritaet"),
        ]))
        assert pushed == {1001: ["kasse-neu"]}
        push = await bot_api.wait_for(needy.says(tr("A new offer that fits your association:")), since=since)
        assert "Workshop kasse-neu" in push.params["text"]

    db = sqlite3.connect(settings.database)
    pushed_to = [chat for (chat,) in db.execute("SELECT chat_id FROM outbox WHERE purpose = 'push'")]
    assert pushed_to == [1001]
    states = dict(db.execute("SELECT ref, state FROM suggestions WHERE user_id = 1001"))
    assert states["kasse-tr"] == "interested" and states["paritaet"] == "dismissed" and states["2002"] == "interested"
    assert db.execute("SELECT state FROM introductions").fetchall() == [("accepted",)]
    assert db.execute("SELECT chat_id, purpose, payload FROM outbox WHERE state = 'pending' "
                      "AND purpose != 'reminder'").fetchall() == []
    reminder_at = db.execute("SELECT not_before FROM outbox WHERE purpose = 'reminder'").fetchone()[0]
    day_before = (kasse - timedelta(days=1)).replace(hour=18)
    assert datetime.fromisoformat(reminder_at) == day_before
    sent = db.execute("SELECT dedupe_key, count(*) FROM outbox GROUP BY dedupe_key HAVING count(*) > 1 "
                      "AND dedupe_key IS NOT NULL").fetchall()
    assert sent == []


async def wait_for_cards(api: StubBotAPI, phone: Phone, since: int, count: int) -> list[StoredMessage]:
    """The suggestion cards (with "Interested" / "Not for us") sent to the phone after `since`."""
    def card(call: Call) -> bool:
        return (call.method == "sendMessage" and int(call.params["chat_id"]) == phone.user_id
                and '"G:' in json.dumps(call.params.get("reply_markup")))
    for _ in range(count):
        await api.wait_for(card, since=since)
        since = next(i for i, c in enumerate(api.calls) if i >= since and card(c)) + 1
    return [m for m in phone.bot_messages() if any(b["callback_data"].startswith("G:") for b in m.buttons())]
