"""Consent per purpose: the short notice with its choices, the full text, a record of what was
agreed to and when, a changed notice asked again, and /privacy switching purposes with
immediate effect, down to an association's peer card and pending introduction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.consent.notice import NOTICE_VERSION, NoticeFacts, require
from bot.kernel.actions import Kind
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import ConfigError, Settings
from bot.survey.turns import Visitor
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, fill_in, onboard, role
from tests.helpers.running import Processed, running_bot
from tests.helpers.services import answer_current, live, make_service
from tests.test_suggestions_e2e import EXPERIENCED, NEEDY

ALICE = Visitor(31, "en")
EN = Catalogs().translator("en").gettext


def pending(database: Path, chat_id: int) -> int:
    import sqlite3
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state IN ('pending', 'sending')",
                              (chat_id,)).fetchone()[0])


def actions(screen: object) -> list[str]:
    return [b.action for row in screen.buttons for b in row]  # type: ignore[attr-defined]


async def test_choices_travel_with_the_taps_and_the_agreement_is_recorded(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    store = service.store
    try:
        await service.start(ALICE)
        consent = (await service.press(ALICE, "L:en")).messages[-1]
        assert actions(consent) == ["C:t10", "C:t01", "C:m00", "C:y", "C:n"]  # both optional purposes off
        assert "MSO Assistant is run by Stadt Wuppertal, Ressort Zuwanderung und Integration (SAMPLE)" in consent.text
        shown = (await service.press(ALICE, "C:t10")).source  # networking ticked, the same message
        assert shown is not None and shown.buttons[0][0].label.startswith("☑") and "C:y10" in actions(shown)
        assert await store.fetch_all("SELECT * FROM consents") == []  # nothing stored before agreeing
        more = await service.press(ALICE, "C:m10")
        full, again = more.messages
        assert "Who is responsible:" in full.text and "Data protection officer:" in full.text
        assert "365 days" in full.text and "1,095 days" in full.text and "4 weeks" in full.text
        assert "C:y10" in actions(again)  # the choice made is still there below the full text
        agreed = await service.press(ALICE, "C:y10")
        assert agreed.source is not None and "✅ You agreed." in agreed.source.text
        assert "Networking is switched on." in agreed.source.text
        assert live(agreed).text.endswith("What is the name of your association?\nPlease type your answer "
                                          "(at most 150 characters).")
        rows = [dict(r) for r in await store.fetch_all("SELECT purpose, given, notice_version FROM consents")]
        assert rows == [{"purpose": "survey", "given": 1, "notice_version": NOTICE_VERSION},
                        {"purpose": "networking", "given": 1, "notice_version": NOTICE_VERSION},
                        {"purpose": "partners", "given": 0, "notice_version": NOTICE_VERSION}]
        user = await store.user(ALICE.user_id)
        assert user is not None and user.networking and not user.sharing and user.agreed(NOTICE_VERSION)
    finally:
        await store.close()


async def test_a_changed_notice_is_asked_again_before_anything_else(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    store = service.store
    try:
        await service.start(ALICE)
        await service.press(ALICE, "L:en")
        screen = live(await service.press(ALICE, "C:y"))
        screen = live(await answer_current(service, ALICE, screen))  # the name is given
        question = screen.text.split("\n")[-2]
        async with store.transaction():  # as if they had agreed to the notice before this one
            await store.db.execute("UPDATE users SET notice_version = '1' WHERE id = ?", (ALICE.user_id,))
        typed = await service.text(ALICE, "something")
        assert typed.messages[0].text == "Before we start, please read the privacy notice and tell us whether " \
                                         "you agree."
        asked = typed.messages[1]
        assert asked.text.startswith("🔄 Our privacy notice has changed.") and "C:y" in actions(asked)
        declined = await service.press(ALICE, "C:n")  # declining a changed notice deletes: asked first
        assert declined.messages[-1].text.startswith("Do you really want to delete everything")
        await service.press(ALICE, "X:n")
        assert await store.user(ALICE.user_id) is not None
        resumed = await service.press(ALICE, "C:y")
        assert live(resumed).text.split("\n")[-2] == question  # where they were, answers kept
        assert len(await store.answers((await store.current_submission(ALICE.user_id)).id)) == 1  # type: ignore[union-attr]
        versions = [r[0] for r in await store.fetch_all("SELECT notice_version FROM consents WHERE purpose = 'survey'")]
        assert versions == [NOTICE_VERSION, NOTICE_VERSION]
    finally:
        await store.close()


def test_a_bot_for_real_users_names_who_is_responsible(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="MSOBOT_CONTROLLER: missing"):
        require(settings)
    configured = settings.model_copy(update={"controller": "Stadt Wuppertal", "controller_contact": "x@example.org",
                                             "dpo_contact": "dsb@example.org"})
    require(configured)
    facts = NoticeFacts.from_settings(configured)
    assert not facts.sample and facts.dpo_contact == "dsb@example.org" and "LDI NRW" in facts.authority


async def test_networking_shown_to_another_then_withdrawn_takes_card_and_request_away(
        settings: Settings, bot_api: StubBotAPI) -> None:
    """End to end: an association agrees to networking, is suggested to another as a peer and
    asked for an introduction; it switches networking off in /privacy; the card and the request
    no longer apply, and nothing about it is left with the other association."""
    settings = settings.model_copy(update={"quiet_hours": ""})
    processed = Processed()
    peer = Phone(bot_api, user_id=2002, language_code="de", processed=processed)
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    de = Catalogs().translator("de").gettext
    async with running_bot(settings, bot_api, processed):
        await onboard(peer, "de", "C:t10", "C:y10")  # networking on, in the notice itself
        await fill_in(peer, EXPERIENCED, "Kulturverein Balkan e.V.")
        await peer.tap(role("F"))
        assert not any(Phone.button_data(m, lambda d: d.startswith("V:")) for m in peer.bot_messages()
                       if any(b["callback_data"].startswith("V:") for b in m.buttons()))  # no offer: it agreed
        await onboard(needy, "tr")
        await fill_in(needy, {**NEEDY, "peer_contact": None}, "Elternverein Oberbarmen e.V.")
        since = len(bot_api.calls)
        await needy.tap(role("F"))
        card = await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1001
                                      and "G:" in json.dumps(c.params.get("reply_markup")) and "🫱" in
                                      str(c.params["text"]), since=since)
        peer_card = next(m for m in needy.bot_messages() if m.text == card.params["text"])
        await needy.tap(lambda d: d.startswith("G:") and d.endswith(":i"), message=peer_card)
        await needy.send("@elternverein")  # the contact it was asked for
        request_call = await bot_api.wait_for(peer.says("Elternverein", with_buttons=True), since=since)
        request = next(m for m in peer.bot_messages() if m.text == request_call.params["text"])

        await peer.send("/privacy")
        overview = peer.last()
        assert de("Networking is switched on.") in overview.text
        await peer.tap(lambda d: d == "V:n0", message=overview)
        assert peer.last().text == de("Networking is switched off: your association is no longer shown to "
                                      "others, and requests to be put in touch that were not yet agreed are "
                                      "withdrawn.")
        since = len(bot_api.calls)
        await peer.tap(role("I"), message=request)  # "Yes, connect us" on the withdrawn request
        assert [c.params.get("text") for c in bot_api.calls[since:] if c.method == "answerCallbackQuery"] == [
            de("This button no longer applies.")]
        since = len(bot_api.calls)
        await needy.send("/suggestions")  # the card is gone, and no new one comes
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 1001, since=since)
        await bot_api.until(lambda: True if not pending(settings.database, 1001) else None, 10, "the cards sent")
        assert not any("🫱" in str(c.params.get("text")) for c in bot_api.calls[since:])
        assert "Kulturverein Balkan" not in "".join(m.text for m in needy.bot_messages())
        # An association that completes now is not offered it either: without the consent, no card.
        late = Phone(bot_api, user_id=3003, language_code="tr", processed=processed)
        await onboard(late, "tr")
        await fill_in(late, NEEDY, "Frauenverein Ronsdorf")
        since = len(bot_api.calls)
        await late.tap(role("F"))
        await bot_api.until(lambda: True if not pending(settings.database, 3003) else None, 10, "the cards sent")
        assert not any("🫱" in str(c.params.get("text")) for c in bot_api.calls[since:])
        nothing = Catalogs().translator("tr").gettext(
            "Right now we have no offer that fits your answers. We will let you know when something suitable "
            "comes up.")
        assert nothing in [m.text for m in late.bot_messages()]  # the peer was its only match
    import sqlite3
    with sqlite3.connect(settings.database) as db:
        assert db.execute("SELECT COUNT(*) FROM suggestions WHERE kind = 'peer'").fetchone()[0] == 0
        assert db.execute("SELECT state FROM introductions").fetchall() == [("withdrawn",)]
        assert db.execute("SELECT purpose, given FROM consents WHERE user_id = 2002 ORDER BY id").fetchall() == [
            ("survey", 1), ("networking", 1), ("partners", 0), ("networking", 0)]


async def test_the_office_never_sees_a_peers_id_in_mydata(settings: Settings, bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"quiet_hours": ""})
    processed = Processed()
    peer = Phone(bot_api, user_id=2002, language_code="de", processed=processed)
    needy = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await onboard(peer, "de", "C:t10", "C:y10")
        await fill_in(peer, EXPERIENCED, "Kulturverein Balkan e.V.")
        await peer.tap(role("F"))
        await onboard(needy, "tr")
        await fill_in(needy, NEEDY, "Elternverein Oberbarmen e.V.")
        since = len(bot_api.calls)
        await needy.tap(role("F"))
        await bot_api.wait_for(lambda c: c.method == "sendMessage" and "🫱" in str(c.params.get("text")), since=since)
        peer_card = next(m for m in needy.bot_messages() if m.text.startswith("🫱"))
        await needy.tap(lambda d: d.startswith("G:") and d.endswith(":i"), message=peer_card)
        await needy.send("@elternverein")  # the contact it was asked for: the request goes out
        since = len(bot_api.calls)
        await needy.send("/mydata")
        await bot_api.wait_for(lambda c: c.method == "sendDocument", since=since)  # the file is sent after the reply
    (_chat, _name, content, _caption), = bot_api.documents
    data = json.loads(content)
    # The other association's Telegram id, nowhere (as a value: "2002" may be part of a time).
    assert not re.search(r"(?<![\d:.T-])2002(?![\d:.])", content.decode()), content.decode()
    assert [s["ref"] for s in data["suggestions"] if s["kind"] == "peer"] == [None]
    introduction, = data["introductions"]
    assert introduction["direction"] == "you asked" and introduction["other_association"] is None
    assert [c["purpose"] for c in data["consents"]] == ["survey", "networking", "partners"]


def test_the_consent_button_data_is_short_and_round_trips() -> None:
    from bot.consent.screens import consent_value, read_consent_value
    for agree in (True, False):
        for networking in (True, False):
            for partners in (True, False):
                value = consent_value(agree, networking, partners)
                assert read_consent_value(value) == ("y" if agree else "t", networking, partners)
    assert read_consent_value("y") == ("y", False, False)  # the button of every earlier notice
    assert read_consent_value("x11") is None and read_consent_value("y2") is None
    assert Kind.PRIVACY.value == "V"
