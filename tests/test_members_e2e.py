"""An association, not a phone (issue 27): two board members on two phones answer in turns,
both see the same summary, one leaves, the other continues and completes.

Over the strict stub Bot API with the real Application: the chair (German) starts, invites the
treasurer (Turkish) with /members, the treasurer opens the link and joins; they answer in turns;
a message from the office reaches both; the chair leaves; the treasurer completes and the
suggestions reach the treasurer only. Nothing staff or partners can see names either member."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import staff_voice
from bot.staff.exports import table
from bot.survey.member_screens import MemberScreens
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, fill_in, option, role
from tests.helpers.running import Processed, running_bot
from tests.test_suggestions_e2e import NEEDY, import_catalog, next_saturday, wait_for_cards, workshop, write_catalog

CHAIR, TREASURER = 610000001, 620000002
# What would tell staff or partners which member acted: their Telegram ids and names.
MEMBER_TRACES = ("620000002", "User620000002", "User610000001")
# Where a member's own account is kept: their membership, and the messages owed to their chat.
MEMBER_TABLES = {"members", "inbox", "outbox", "outbox_deliveries", "processed_updates"}


def edit_buttons(phone: Phone) -> list[str]:
    """The summary's "change" buttons: the submission and every answered question."""
    return sorted(b["callback_data"] for b in phone.prompt().buttons() if b["callback_data"].startswith("E:"))


def traces_in_database(path: Path) -> list[str]:
    """Every cell outside the members' own tables that names a member."""
    found = []
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in (t for t in tables if t not in MEMBER_TABLES):
            for row in db.execute(f"SELECT * FROM {name}"):  # the names from sqlite_master
                found += [f"{name}: {cell}" for cell in row if any(m in str(cell) for m in MEMBER_TRACES)]
        # Messages to anyone but the members themselves (staff, partner contacts) name no member.
        for (payload,) in db.execute("SELECT payload FROM outbox WHERE chat_id NOT IN (?, ?)", (CHAIR, TREASURER)):
            found += [f"outbox: {payload}" for m in MEMBER_TRACES if m in payload]
    return found


async def test_two_board_members_answer_in_turns_one_leaves_the_other_completes(
        settings: Settings, bot_api: StubBotAPI, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"quiet_hours": ""})  # the test may run at night
    await import_catalog(settings, write_catalog(tmp_path / "catalog.yaml", [
        workshop("kasse-tr", ["bookkeeping"], ["tr", "de"], next_saturday(10), "barmen", "paritaet")]))
    catalogs = Catalogs()
    de, tr = catalogs.translator("de").gettext, catalogs.translator("tr").gettext
    de_members, tr_members = MemberScreens(catalogs.translator("de")), MemberScreens(catalogs.translator("tr"))
    processed = Processed()
    chair = Phone(bot_api, user_id=CHAIR, language_code="de", processed=processed)
    treasurer = Phone(bot_api, user_id=TREASURER, language_code="tr", processed=processed)

    async with running_bot(settings, bot_api, processed) as application:
        services = application.bot_data["services"]
        # The chair starts and answers the first questions.
        await chair.send("/start")
        await chair.tap(lambda d: d == "L:de")
        await chair.tap(lambda d: d == "C:y")
        await chair.send("Kulturverein Brücke e.V.")
        await chair.tap(option("communities", "turkish"))
        await chair.tap(role("D", "communities"))

        # /members: only the chair so far; an invitation link.
        await chair.send("/members")
        assert de("you, since {date}").split("{")[0] in chair.prompt().text
        await chair.tap(lambda d: d == "H:i")
        link = re.search(r"start=(m_[A-Za-z0-9_-]+)", chair.last().text)
        assert link is not None

        # The treasurer opens it, joins, chooses Turkish and is where the association is.
        await treasurer.send(f"/start {link.group(1)}")
        assert tr("Join") in {b["text"] for b in treasurer.prompt().buttons()}
        await treasurer.tap(lambda d: d.startswith("H:j"))
        await treasurer.tap(lambda d: d == "L:tr")
        district = Engine(load()).question("district")
        assert district is not None and tr(district.text) in treasurer.prompt().text  # where the chair left it
        await bot_api.wait_for(chair.says(de_members.another_joined().text))
        # The link works once.
        again = Phone(bot_api, user_id=630000003, language_code="de", processed=processed)
        await again.send(f"/start {link.group(1)}")
        assert again.last().text == de_members.invalid_link().text

        # In turns: the treasurer, the chair, the treasurer again, to the summary.
        await treasurer.tap(option("district", "barmen"))
        await chair.send("/start")
        await chair.tap(lambda d: d.startswith("A:") and ":members:" in d)
        summary = await fill_in(treasurer, {**NEEDY, "communities": ["turkish"]}, "/start")
        await chair.send("/answers")
        assert edit_buttons(chair) == edit_buttons(treasurer) and edit_buttons(chair)  # the same answers
        assert "Kulturverein Brücke e.V." in chair.prompt().text and "Kulturverein Brücke e.V." in \
            treasurer.prompt().text

        # A message from the office reaches both members, each once.
        key = CHAIR  # the association's key: its founder's id (see README "How it is built")
        async with services.store.transaction():
            await services.mail.send(7001, key, "Bitte melden Sie sich.", "de")
        await bot_api.wait_for(chair.says("Bitte melden Sie sich."))
        office = await bot_api.wait_for(treasurer.says("Bitte melden Sie sich."))
        framing = "A message from the integration office (written in {language}):"
        assert tr(framing).split("{")[0] in office.params["text"]  # framed in the treasurer's language
        assert de(framing).split("{")[0] in chair.last().text

        # The treasurer sends the questionnaire: the suggestions answer the one who sent it.
        since = len(bot_api.calls)
        await treasurer.tap(role("F"), message=summary)
        await wait_for_cards(bot_api, treasurer, since, 1)
        assert not any(int(c.params.get("chat_id", 0)) == CHAIR for c in bot_api.calls[since:])

        # A new offer reaches both members, each in their own language, once.
        since = len(bot_api.calls)
        assert await import_catalog(settings, write_catalog(tmp_path / "more.yaml", [
            workshop("kasse-neu", ["bookkeeping"], ["tr"], next_saturday(20), "barmen", "paritaet")])) \
            == {key: ["kasse-neu"]}
        await bot_api.wait_for(chair.says(de("A new offer that fits your association:")), since=since)
        await bot_api.wait_for(treasurer.says(tr("A new offer that fits your association:")), since=since)

        # The chair leaves (asked first: leave or delete for everyone); the data stays.
        await chair.send("/delete")
        assert {"H:l", "X:e", "X:n"} <= {b["callback_data"] for b in chair.prompt().buttons()}
        await chair.tap(lambda d: d == "H:l")
        assert chair.last().text == de_members.left().text
        await bot_api.wait_for(treasurer.says(tr_members.another_left().text))

        # The treasurer continues: changes an answer, and the next offer reaches the treasurer only.
        await treasurer.send("/answers")
        await treasurer.tap(lambda d: d.startswith("E:") and d.endswith(":members"))
        await treasurer.tap(lambda d: d.startswith("A:") and ":members:" in d and not d.endswith(":m1_10"))
        await treasurer.tap(role("F"))
        since = len(bot_api.calls)
        assert await import_catalog(settings, write_catalog(tmp_path / "last.yaml", [
            workshop("kasse-drei", ["bookkeeping"], ["tr"], next_saturday(27), "barmen", "paritaet")])) \
            == {key: ["kasse-drei"]}
        await bot_api.wait_for(treasurer.says(tr("A new offer that fits your association:")), since=since)
        assert not any(int(c.params.get("chat_id", 0)) == CHAIR for c in bot_api.calls[since:])
        # The last member cannot leave without handing over or deleting.
        await treasurer.send("/delete")
        assert "H:l" not in {b["callback_data"] for b in treasurer.prompt().buttons()}
        await treasurer.press("H:l")
        assert treasurer.last().text == tr_members.last_member().text

        # What staff and partners see never names a member.
        rows = await table(services.store, staff_voice(settings, services.engine))
        assert any("Kulturverein Brücke e.V." in cell for row in rows for cell in row)
        assert not [cell for row in rows for cell in row if any(m in cell for m in MEMBER_TRACES)]
        digest = await services.digest.build()
        assert not [text for text in digest.texts if any(m in text for m in MEMBER_TRACES)]
    assert traces_in_database(settings.database) == []
