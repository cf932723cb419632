"""A board member completes the questionnaire over Telegram, from /start to the thank-you.

The real python-telegram-bot Application long-polls the stub Bot API over HTTP; the test
plays the phone: it taps the buttons the bot sent and types where the bot asks for text.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.kernel.i18n import FSI, PDI, Catalogs
from bot.kernel.settings import Settings
from bot.kernel.text import BIDI_CONTROLS
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, option, role
from tests.helpers.running import Processed, running_bot


def plain(text: str) -> str:
    """What a reader sees, without the marks that lay out right-to-left text."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


@pytest.mark.parametrize("language", Catalogs().languages)
async def test_questionnaire_from_start_to_thank_you(language: str, settings: Settings,
                                                     bot_api: StubBotAPI) -> None:
    catalogs = Catalogs()
    t = catalogs.translator(language)
    _ = t.gettext
    questionnaire = load()
    processed = Processed()
    phone = Phone(bot_api, user_id=4242, language_code=language, processed=processed)

    async with running_bot(settings, bot_api, processed):
        # 1. Language picker: every language in its own name and script, in one fixed order.
        await phone.send("/start")
        picker = phone.prompt()
        assert [b["callback_data"] for b in picker.buttons()] == [f"L:{c}" for c in catalogs.offered]
        assert catalogs.display_name(language) in {b["text"] for b in picker.buttons()}
        assert {"Deutsch", "Türkçe", "العربية", "English"} <= {b["text"] for b in picker.buttons()}

        # 2. Consent in the chosen language.
        await phone.tap(lambda d: d == f"L:{language}")
        assert _("Privacy notice") in phone.prompt().text
        assert language == "en" or _("Privacy notice") != "Privacy notice"  # really translated
        new = await phone.tap(lambda d: d == "C:y")
        saved = _("You can stop at any time and continue later with /start. Every answer is saved straight away.")
        assert any(saved in m.text for m in new)

        # 3. Organisation profile: free text, with a polite re-ask for a sticker.
        first = phone.last()
        assert _("What is the name of your association?") in first.text
        assert not any(b["callback_data"].startswith("B:") for b in first.buttons())  # no Back on Q1
        engine = Engine(questionnaire)
        name_question = engine.question("org_name")
        assert name_question is not None  # only what is ahead on this path is counted
        assert t.number(engine.ahead(name_question, {"networking": "no"})) in first.text.splitlines()[0]
        new = await phone.send_content(sticker={"file_id": "s1", "file_unique_id": "u1", "type": "regular",
                                                "width": 512, "height": 512, "is_animated": False,
                                                "is_video": False})
        assert new[0].text == _("Sorry, I can only read text messages and button taps.")
        await phone.send("Elternverein Oberbarmen e.V.")

        # Multiple choice with "other", Back, and the follow-up question.
        await phone.tap(option("communities", "turkish"))
        await phone.tap(option("communities", "other"))
        assert "☑" in phone.button_label(phone.prompt(), option("communities", "turkish"))
        await phone.tap(role("D"))
        assert _("Which other communities does your association serve?") in phone.prompt().text
        await phone.tap(role("B"))
        assert _("Which communities does your association serve?") in phone.prompt().text
        await phone.tap(role("D"))
        await phone.send("Roma")

        # A text where buttons are expected is re-asked; then the button.
        first_ask = phone.prompt()
        new = await phone.send("Barmen")
        assert new[0].text == _("Please answer with the buttons below the question.")
        assert not bot_api.messages[(phone.user_id, first_ask.message_id)].reply_markup
        district_question = phone.prompt()
        assert district_question.message_id != first_ask.message_id
        await phone.tap(option("district", "barmen"))
        answered = bot_api.messages[(phone.user_id, district_question.message_id)]
        assert not answered.reply_markup  # the chat history shows the chosen answer
        assert plain(answered.text).endswith("✅ " + plain(_("Barmen")))
        await phone.tap(option("members", "m11_30"))
        await phone.tap(option("status", "ev"))

        # Number, with a refused answer first.
        assert _("In which year was your association founded?") in phone.prompt().text
        new = await phone.send("neunzehnhundert")
        assert new[-1].text.startswith("⚠️")
        await phone.send("1998'de")  # the year is taken out of the words around it

        # 4. Areas first: the level only for ticked areas, "what exactly" for big and urgent ones.
        assert _("Where does your association need support?") in phone.prompt().text
        for area in ("pr", "bookkeeping", "funding", "other"):
            await phone.tap(option("need_areas", area))
        await phone.tap(role("D"))
        await phone.send("Ein Bankkonto eröffnen")  # something else, in their own words
        await phone.tap(option("need_pr", "urgent"))
        await phone.tap(option("need_pr_details", "social"))
        await phone.tap(role("D"))
        await phone.tap(option("need_bookkeeping", "big"))
        for specific in ("cashbook", "receipts"):
            await phone.tap(option("need_bookkeeping_details", specific))
        await phone.tap(role("D"))
        await phone.tap(option("need_funding", "some"))

        # 5. Advice: the topics come ticked from the needs rated big or urgent; one unticked.
        await phone.tap(option("contact_professionals", "yes"))
        await phone.tap(option("professional_orgs", "welfare"))
        await phone.tap(role("D"))
        topics = phone.prompt()
        assert {o for o in ("pr", "bookkeeping", "funding")
                if "☑" in phone.button_label(topics, option("professional_topics", o))} == {"pr", "bookkeeping"}
        await phone.tap(option("professional_topics", "pr"))
        await phone.tap(role("D"))
        # 6. Workshops; networking is off (the privacy choice), so nothing about other associations.
        await phone.tap(option("formats", "workshop"))
        await phone.tap(role("D"))
        await phone.tap(option("times", "weekends"))
        await phone.tap(role("D"))
        languages = phone.prompt()  # German and the community's language, ticked already
        assert "☑" in phone.button_label(languages, option("workshop_languages", "tr"))
        assert "☑" in phone.button_label(languages, option("workshop_languages", "de"))
        await phone.tap(role("D"))

        # 7. Summary: anything else is typed here; change one answer from there; confirm.
        summary = phone.prompt()
        assert _("Your answers") in summary.text
        assert _("Barmen") in summary.text
        assert _("Networking with other associations: off. You can switch it on with /privacy.") in summary.text
        await phone.send("Danke!")
        summary = phone.prompt()
        assert "Danke!" in summary.text and _("Your answers") in summary.text
        if t.rtl:
            assert f"{FSI}Elternverein Oberbarmen e.V.{PDI}" in summary.text
        await phone.tap(role("E", "district"))
        await phone.tap(option("district", "oberbarmen"))
        summary = phone.prompt()
        assert _("Oberbarmen") in summary.text
        new = await phone.tap(role("F"))
        assert new[0].text.startswith(_("Thank you! Your answers have been sent to the integration office "
                                         "of the City of Wuppertal. We will use them to plan support for "
                                         "migrant self-organisations, together with the welfare associations, "
                                         "the adult education centre and the municipal integration centre, "
                                         "and to put associations in touch with each other.")[:40])

    callbacks = [u for u in bot_api.updates if "callback_query" in u]
    assert len([c for c in bot_api.calls if c.method == "answerCallbackQuery"]) == len(callbacks)

    db = sqlite3.connect(settings.database)
    answers = {q: json.loads(v) for q, v in db.execute("SELECT question_id, value FROM answers")}
    assert answers == {
        "org_name": "Elternverein Oberbarmen e.V.",
        "communities": ["turkish", "other"], "communities_other": "Roma",
        "district": "oberbarmen", "members": "m11_30", "status": "ev", "founded": 1998,
        "need_areas": ["pr", "bookkeeping", "funding", "other"], "need_other": "Ein Bankkonto eröffnen",
        "need_pr": "urgent", "need_pr_details": ["social"], "need_bookkeeping": "big",
        "need_bookkeeping_details": ["cashbook", "receipts"], "need_funding": "some",
        "contact_professionals": "yes", "professional_orgs": ["welfare"],
        "professional_topics": ["bookkeeping"],
        "formats": ["workshop"], "times": ["weekends"], "workshop_languages": ["de", "tr"],
        "comments": "Danke!",
    }
    version, completed = db.execute(
        "SELECT questionnaire_version, completed_at FROM submissions").fetchone()
    assert version == questionnaire.version and completed is not None
    assert db.execute("SELECT language, consent_at IS NOT NULL FROM users").fetchone() == (language, 1)
    assert db.execute("SELECT name FROM organisations").fetchone() == ("Elternverein Oberbarmen e.V.",)
    assert db.execute("SELECT count(*) FROM drafts").fetchone() == (0,)


async def test_unknown_language_gets_the_german_picker_and_odd_messages_a_polite_answer(
        settings: Settings, bot_api: StubBotAPI) -> None:
    de = Catalogs().translator("de").gettext
    processed = Processed()
    phone = Phone(bot_api, user_id=777, language_code="pt-br", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await phone.send("/start")
        picker = phone.prompt()
        assert de("Please choose your language.") in picker.text
        assert picker.buttons()[0]["text"] == "Deutsch"
        new = await phone.send_content(voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
        assert new[0].text.startswith(de("Sorry, I can only read text messages and button taps."))
        assert new[0].reply_markup  # the picker again, with the notice on top
        await phone.send("/unknown")
        assert de("this help") in phone.last().text
        group_update = await bot_api.push({"message": {
            "message_id": 900, "date": 0, "chat": {"id": -100, "type": "group", "title": "MSO"},
            "from": phone.user, "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})
        await processed.wait(group_update)
        forged = await phone.press("A:1:district:" + "x" * 40)
        assert forged == []
        assert [c for c in bot_api.calls if c.method == "answerCallbackQuery"]
    assert not [c for c in bot_api.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == -100]


async def test_a_tap_still_counts_when_telegram_refuses_the_late_callback_answer(
        settings: Settings, bot_api: StubBotAPI) -> None:
    processed = Processed()
    phone = Phone(bot_api, user_id=31, language_code="tr", processed=processed)
    async with running_bot(settings, bot_api, processed):
        await phone.send("/start")
        bot_api.faults["answerCallbackQuery"] = [(400, {
            "ok": False, "error_code": 400,
            "description": "Bad Request: query is too old and response timeout expired or query id is invalid"})]
        new = await phone.tap(role("L"))
        assert new and "C:y" in [b["callback_data"] for b in new[-1].buttons()]  # the consent arrived all the same
    assert not bot_api.faults["answerCallbackQuery"]
