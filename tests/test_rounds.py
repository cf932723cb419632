"""Repeat rounds: staff open one, each association with a completed questionnaire is invited
once, answers again with last time's answers as defaults, and sees what changed."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.kernel.actions import Kind
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Outcome, Screen
from bot.kernel.routes import Role
from bot.kernel.settings import Settings
from bot.services import Services, open_services
from bot.survey.turns import Visitor
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.phone import Phone, role
from tests.helpers.running import Processed, running_bot
from tests.helpers.services import answer_current, answer_until_summary, button, live, onboard
from tests.test_fan_out import all_fanned_out
from tests.test_suggestions_e2e import NEEDY
from tests.test_suggestions_e2e import complete as complete_on_phone

STAFF_ID = 501

DONE, HALFWAY, BLOCKED = Visitor(21, "en"), Visitor(22, "en"), Visitor(23, "en")


async def complete(services: Services, visitor: Visitor) -> None:
    summary = await answer_until_summary(services.survey, visitor, await onboard(services.survey, visitor))
    await services.survey.press(visitor, button(summary, Kind.CONFIRM).action)


async def answers_of(services: Services, submission_id: int) -> dict[str, Any]:
    rows = await services.store.fetch_all("SELECT question_id, value FROM answers WHERE submission_id = ?",
                                          submission_id)
    return {r["question_id"]: json.loads(r["value"]) for r in rows}


def has(screen: Screen, role: Kind) -> bool:
    return any(b.role is role for row in screen.buttons for b in row)


async def repeat(services: Services, visitor: Visitor, outcome: Outcome,
                 change: dict[str, Any]) -> tuple[Outcome, int]:
    """Answer a repeat as someone in a hurry: keep last time's answer everywhere except the
    `change`s; the final outcome and the number of taps it took."""
    taps = 0
    for _ in range(100):
        screen = live(outcome)
        taps += 1
        if has(screen, Kind.CONFIRM):
            return await services.survey.press(visitor, button(screen, Kind.CONFIRM).action), taps
        target = next((q for q in change if f":{q}:" in button(screen, Kind.BACK).action + ":"), None) \
            if has(screen, Kind.BACK) else None
        if target is None and "Last time you answered:" not in screen.text:  # not asked last time
            taps += has(screen, Kind.TOGGLE)  # tick, then Done
            outcome = await answer_current(services.survey, visitor, screen)
            continue
        if target is not None and isinstance(change[target], list):  # tick what changed, then Done
            ticked = {b.action.split(":")[3] for row in screen.buttons for b in row
                      if b.role is Kind.TOGGLE and b.label.startswith("☑")}
            for option in sorted(ticked ^ set(change[target])):
                taps += 1
                screen = live(await services.survey.press(visitor, f"T:{screen.buttons[0][0].action.split(':')[1]}:"
                                                                   f"{target}:{option}"))
            outcome = await services.survey.press(visitor, button(screen, Kind.DONE).action)
        elif target is not None:
            choice = next(b for row in screen.buttons for b in row if b.action.endswith(f":{change[target]}"))
            outcome = await services.survey.press(visitor, choice.action)
        elif has(screen, Kind.KEEP):
            outcome = await services.survey.press(visitor, button(screen, Kind.KEEP).action)
        elif has(screen, Kind.DONE):  # multiple choice: last time's options are ticked already
            outcome = await services.survey.press(visitor, button(screen, Kind.DONE).action)
        else:
            outcome = await answer_current(services.survey, visitor, screen)
    raise AssertionError("the repeat did not end")


async def test_a_round_invites_once_and_a_repeat_takes_one_tap_a_question(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    services = await open_services(settings)
    try:
        await complete(services, DONE)
        await onboard(services.survey, HALFWAY)
        await complete(services, BLOCKED)
        async with services.store.transaction():
            await services.store.set_blocked(BLOCKED.user_id, True)
        first = await services.store.current_submission(DONE.user_id)
        assert first is not None and first.completed_at is not None
        before = await answers_of(services, first.id)
        # answer_current picks the first option: public relations ticked, rated "No need"
        assert before["need_areas"] == ["pr"] and before["need_pr"] == "none" and "need_bookkeeping" not in before

        opened = await services.rounds.open("2027")
        assert opened is not None and opened.invited == 1  # not the half-way one, not the blocked one
        assert await services.rounds.open("2027") is None  # nobody is invited twice
        rows = await services.store.fetch_all("SELECT chat_id, purpose, payload FROM outbox WHERE purpose = 'round'")
        assert [r["chat_id"] for r in rows] == [DONE.user_id]
        invitation = json.loads(rows[0]["payload"])["screen"]
        assert "The integration office is asking again (2027)" in invitation["text"]
        start = invitation["buttons"][0][0]["action"]

        outcome = await services.survey.press(DONE, start)
        screen = live(outcome)
        assert "What is the name of your association?" in screen.text and has(screen, Kind.KEEP)
        done, taps = await repeat(services, DONE, outcome, {"need_areas": ["pr", "bookkeeping"],
                                                            "need_bookkeeping": "urgent", "need_pr": "some"})
        texts = [m.text for m in done.messages]
        assert any(t.startswith("Thank you!") for t in texts)
        changed = next(t for t in texts if t.startswith("What changed since last time:"))
        assert changed.splitlines()[1:] == ["• Public relations: No need → Some",
                                            "• Bookkeeping and finances: No need → Urgent"]

        second = await services.store.current_submission(DONE.user_id)
        assert second is not None and second.id != first.id and second.completed_at is not None
        assert second.previous_id == first.id and second.round_id == opened.round.id
        again = await answers_of(services, second.id)
        # One tap a question, plus confirming; one more to tick bookkeeping; two for the bookkeeping
        # level and details, asked anew (not asked last time).
        assert taps == len(again) + 3
        assert {k: v for k, v in again.items() if k not in ("need_areas", "need_bookkeeping", "need_pr",
                                                           "need_bookkeeping_details")} == \
            {k: v for k, v in before.items() if k not in ("need_areas", "need_bookkeeping", "need_pr")}
        assert await answers_of(services, first.id) == before  # the earlier round is untouched
        # Back after the round: the completed repeat is not started a third time.
        back = await services.survey.start(DONE)
        assert back.messages[0].text.startswith("You have already completed the questionnaire.")
        latest = await services.store.current_submission(DONE.user_id)
        assert latest is not None and latest.id == second.id
    finally:
        await services.close()

    monkeypatch.setenv("MSOBOT_DATABASE", str(settings.database))
    assert await asyncio.to_thread(main, ["round", "open", "--name", "2028"]) == 0
    assert "Round '2028' opened: 1 associations will be invited" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["round", "open", "--name", "2028"]) == 1
    assert "exists already" in capsys.readouterr().err


async def test_staff_open_a_round_from_the_chat(settings: Settings) -> None:
    staff = Visitor(4711, "de")
    services = await open_services(settings.model_copy(update={"staff_ids": [4711], "staff_language": "en"}))
    turkish = Visitor(24, "tr")
    try:
        await complete(services, DONE)
        await complete(services, turkish)
        await services.survey.press(turkish, "L:tr")  # switched to Turkish afterwards
        usage = await services.staff.command(staff, 4711, "round", "")
        assert usage.messages[0].text.startswith("Send /round with the name of the new round")
        opened = await services.staff.command(staff, 4711, "round", " 2027 ")
        assert opened.messages[0].text == "Round “2027” is open: 2 associations will be invited to answer again."
        again = await services.staff.command(staff, 4711, "round", "2027")
        assert again.messages[0].text == "A round named “2027” exists already; nobody was invited again."
        refused = await services.router.command(DONE, Role.ASSOCIATION, DONE.user_id, "round", "2030")
        assert refused is not None and refused.messages and await services.rounds.rounds.latest() is not None
        assert [r.name for r in await services.rounds.rounds.all()] == ["2027"]  # the association could not
        await all_fanned_out(services.store)  # the invitations are queued after the reply
        rows = await services.store.fetch_all(
            "SELECT chat_id, payload FROM outbox WHERE purpose = 'round' ORDER BY chat_id")
        assert [r["chat_id"] for r in rows] == [DONE.user_id, turkish.user_id]
        texts = [json.loads(r["payload"])["screen"]["text"] for r in rows]
        assert texts[0].startswith("The integration office is asking again (2027)")
        assert texts[1].startswith("Uyum Bürosu yeniden soruyor (2027)")  # each in its own language
    finally:
        await services.close()


def question_on(screen: Screen) -> str | None:
    return button(screen, Kind.BACK).action.split(":")[2] if has(screen, Kind.BACK) else None


async def walk(services: Services, visitor: Visitor, outcome: Outcome, choices: dict[str, str]) -> Outcome:
    """Through to the end: the `choices` where asked, else last time's answer or the first option."""
    for _ in range(100):
        screen = live(outcome)
        if has(screen, Kind.CONFIRM):
            return await services.survey.press(visitor, button(screen, Kind.CONFIRM).action)
        wanted = choices.get(question_on(screen) or "")
        if question_on(screen) == "need_areas":  # tick the areas the choices rate, keep the rest
            ticked = {b.action.split(":")[3] for row in screen.buttons for b in row
                      if b.role is Kind.TOGGLE and b.label.startswith("☑")}
            for area in sorted({q.removeprefix("need_") for q in choices} - ticked):
                screen = live(await services.survey.press(
                    visitor, f"T:{button(screen, Kind.DONE).action.split(':')[1]}:need_areas:{area}"))
            action = button(screen, Kind.DONE).action
        elif wanted is not None:
            action = next(b.action for row in screen.buttons for b in row if b.action.endswith(f":{wanted}"))
        elif has(screen, Kind.KEEP):
            action = button(screen, Kind.KEEP).action
        elif has(screen, Kind.DONE) and "Last time you answered:" in screen.text:
            action = button(screen, Kind.DONE).action
        else:
            outcome = await answer_current(services.survey, visitor, screen)
            continue
        outcome = await services.survey.press(visitor, action)
    raise AssertionError("the questionnaire did not end")


async def test_change_over_time_figures_match_a_hand_count(settings: Settings) -> None:
    first, second, absent = Visitor(31, "en"), Visitor(32, "en"), Visitor(33, "en")
    services = await open_services(settings.model_copy(update={"staff_ids": [4711], "staff_language": "en"}))
    try:
        await walk(services, first, await onboard(services.survey, first), {})  # no area ticked: no need
        await walk(services, second, await onboard(services.survey, second), {"need_funding": "urgent"})
        await walk(services, absent, await onboard(services.survey, absent), {"need_rooms": "urgent"})
        assert (await services.digest.figures.round_changes()) == (None, [])
        opened = await services.rounds.open("2027")
        assert opened is not None and opened.invited == 3
        await walk(services, first, await services.survey.start(first),
                   {"need_bookkeeping": "urgent", "need_pr": "some"})
        await walk(services, second, await services.survey.start(second), {"need_funding": "some"})
        # `absent` does not answer again; `second`'s first-round answers stay as they were.

        name, changes = await services.digest.figures.round_changes()
        by_topic = {c.topic: (c.improved, c.same, c.worse) for c in changes}
        # Worked out by hand: first got worse in bookkeeping (none → urgent) and public relations
        # (none → some); second improved in funding (urgent → some); all else stayed, for both.
        assert name == "2027"
        assert by_topic.pop("bookkeeping") == (0, 1, 1)
        assert by_topic.pop("pr") == (0, 1, 1)
        assert by_topic.pop("funding") == (1, 1, 0)
        assert set(by_topic.values()) == {(0, 2, 0)} and len(by_topic) == 6

        stats = await services.staff.command(Visitor(4711, "en"), 4711, "stats")
        text = "\n".join(m.text for m in stats.messages)
        assert "Since the round before “2027” (associations that answered both)" in text
        assert "• Bookkeeping and finances: 0 better, 1 the same, 1 worse" in text
        assert "• Funding applications: 1 better, 1 the same, 0 worse" in text
        digest = "\n".join((await services.digest.build()).texts)
        assert "• Public relations: 0 better, 1 the same, 1 worse" in digest
    finally:
        await services.close()


async def test_over_telegram_staff_open_a_round_and_the_association_answers_again(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": ""})
    processed = Processed()
    staff = Phone(bot_api, user_id=STAFF_ID, language_code="de", processed=processed)
    member = Phone(bot_api, user_id=1001, language_code="tr", processed=processed)
    tr = Catalogs().translator("tr")
    async with running_bot(settings, bot_api, processed):
        await complete_on_phone(member, "tr", "Elternverein Oberbarmen e.V.", NEEDY)
        since = len(bot_api.calls)
        await staff.send("/round 2027")
        invitation = await bot_api.wait_for(member.says("Uyum Bürosu yeniden soruyor (2027)"), since=since)
        assert invitation.method == "sendMessage"
        await member.tap(lambda d: d.startswith("O:"), message=member.bot_messages()[-1])
        first = member.last().text
        assert tr.gettext("What is the name of your association?") in first
        assert tr.gettext("Last time you answered: {answer}").format(answer="Elternverein Oberbarmen e.V.") in first
        await member.tap(role("K"))  # keep the name: the next question comes, with last time's answer
        assert tr.gettext("Last time you answered: {answer}").split("{")[0] in member.last().text
    with sqlite3.connect(settings.database) as db:
        rounds = db.execute("SELECT round_id, previous_id, completed_at IS NOT NULL FROM submissions "
                            "WHERE user_id = 1001 ORDER BY id").fetchall()
        kept = db.execute("SELECT value FROM answers WHERE question_id = 'org_name' ORDER BY submission_id").fetchall()
    assert rounds == [(None, None, 1), (1, 1, 0)]
    assert [json.loads(v) for (v,) in kept] == ["Elternverein Oberbarmen e.V."] * 2
