"""An association's board members (issue 27): invitation links (once, for seven days, withdrawn),
joining, leaving, /delete's choice, the last member, someone else's button, and the migration
that makes each existing user the one member of its association."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Outcome, Screen
from bot.kernel.settings import Settings
from bot.kernel.turns import ACTING
from bot.outbox import OutboxWorker, Parcel
from bot.outbox.composers import Composers
from bot.outbox.parcels import RetryLater, Unreachable, screen_payload
from bot.privacy.service import PrivacyService
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.services import open_services
from bot.storage import Store, connect
from bot.storage.database import migrate, schema_version
from bot.storage.members import INVITE_DAYS, MemberStore
from bot.storage.migrations import MIGRATIONS
from bot.storage.outbox import OutboxStore
from bot.survey.members import token_hash
from bot.survey.service import SurveyService
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock
from tests.helpers.services import answer_current, live, onboard

TZ = ZoneInfo("Europe/Berlin")
CHAIR, TREASURER, OTHER, STRANGER = Visitor(101, "de"), Visitor(202, "tr"), Visitor(303, "de"), Visitor(404, "de")


async def open_service(path: Path, clock: Clock) -> SurveyService:
    return SurveyService(Store(await connect(path), clock=clock), Engine(load()), Catalogs(), TZ)


def texts(outcome: Outcome) -> str:
    return "\n".join(m.text for m in outcome.messages) + (outcome.toast or "")


async def invite(service: SurveyService, visitor: Visitor) -> str:
    """/members, then "Invite a board member": the link's /start parameter."""
    await service.members_list(visitor)
    outcome = await service.press(visitor, "H:i")
    found = re.search(r"start=(m_[A-Za-z0-9_-]+)", texts(outcome))
    assert found is not None
    return found.group(1)


async def join(service: SurveyService, visitor: Visitor, parameter: str) -> Outcome:
    opened = await service.invitation(visitor, parameter)
    joining = [b.action for m in opened.messages for row in m.buttons for b in row if b.action.startswith("H:j")]
    assert joining, texts(opened)
    return await service.press(visitor, joining[0])


def invalid_link(language: str = "de") -> str:
    return Catalogs().translator(language).gettext(
        "This invitation link does not work any more: it was used, withdrawn or is too old. Please ask "
        "your board for a new one.")


async def press_join(service: SurveyService, visitor: Visitor, opened: Outcome) -> None:
    for data in [b.action for m in opened.messages for row in m.buttons for b in row if b.action.startswith("H:j")]:
        await service.press(visitor, data)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))


async def test_a_link_works_once_within_seven_days_and_not_once_withdrawn(tmp_path: Path, clock: Clock) -> None:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    store, members = service.store, MemberStore(service.store)
    await onboard(service, CHAIR, "de")
    key = (await store.user(CHAIR.user_id)).id  # type: ignore[union-attr]
    link = await invite(service, CHAIR)
    assert await store.fetch_one("SELECT 1 FROM member_invites WHERE token_hash = ?", link[2:]) is None  # hashed
    await join(service, TREASURER, link)
    assert [m.chat_id for m in await members.members(key)] == [CHAIR.user_id, TREASURER.user_id]
    assert await store.member_of(TREASURER.user_id) == key
    refused = await service.invitation(OTHER, link)  # used
    assert texts(refused) == invalid_link()
    await press_join(service, OTHER, refused)
    assert await store.member_of(OTHER.user_id) is None

    expiring = await invite(service, CHAIR)
    opened = await service.invitation(OTHER, expiring)
    clock.now += timedelta(days=INVITE_DAYS, seconds=1)
    assert texts(await service.invitation(OTHER, expiring)) == invalid_link()
    await press_join(service, OTHER, opened)  # opened in time, tapped too late
    assert await store.member_of(OTHER.user_id) is None

    withdrawn = await invite(service, CHAIR)
    invite_id = (await members.invite(token_hash(withdrawn[2:])))
    assert invite_id is not None
    opened = await service.invitation(OTHER, withdrawn)  # opened, then withdrawn before the tap
    await service.press(CHAIR, f"H:r{invite_id.id}")
    joining = [b.action for m in opened.messages for row in m.buttons for b in row if b.action.startswith("H:j")]
    await service.press(OTHER, joining[0])
    assert await store.member_of(OTHER.user_id) is None
    assert texts(await service.invitation(OTHER, "m_forged-token-0123456789")) == invalid_link()
    assert await store.member_of(OTHER.user_id) is None


async def test_another_association_cannot_withdraw_or_use_ones_buttons(tmp_path: Path, clock: Clock) -> None:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    members = MemberStore(service.store)
    await onboard(service, CHAIR, "de")
    await onboard(service, STRANGER, "de")
    link = await invite(service, CHAIR)
    invitation = await members.invite(token_hash(link[2:]))
    assert invitation is not None
    outcome = await service.press(STRANGER, f"H:r{invitation.id}")  # association B presses A's button
    assert outcome.toast and not outcome.messages
    assert (await members.invite(invitation.token_hash)).revoked_at is None  # type: ignore[union-attr]


async def test_delete_asks_leave_or_delete_and_the_last_member_cannot_leave(tmp_path: Path, clock: Clock) -> None:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    store = service.store
    screen = live(await onboard(service, CHAIR, "en"))
    await answer_current(service, CHAIR, screen)
    key = await store.member_of(CHAIR.user_id)
    assert key is not None
    await join(service, TREASURER, await invite(service, CHAIR))
    asked = await service.ask_delete(TREASURER)
    assert {b.action for m in asked.messages for row in m.buttons for b in row} == {"H:l", "X:e", "X:n"}
    # "Yes, delete" of an old question never deletes for the others without saying so.
    again = await service.press(TREASURER, "X:y")
    assert {b.action for m in again.messages for row in m.buttons for b in row} == {"X:a", "X:n"}
    assert await store.user(key) is not None
    await service.press(TREASURER, "H:l")
    assert await store.member_of(TREASURER.user_id) is None
    assert await store.current_submission(key) is not None  # the answers stay with the association
    # The founder hands over: the association reads the language of the member who stays.
    await join(service, OTHER, await invite(service, CHAIR))
    await service.press(OTHER, "L:tr")
    await service.press(CHAIR, "H:l")
    association = await store.user(key)
    assert association is not None and association.language == "tr"
    await service.press(OTHER, "H:l")  # the last one cannot leave
    await join(service, CHAIR, await invite(service, OTHER))
    await service.press(OTHER, "H:l")
    last = await service.press(CHAIR, "H:l")
    assert await store.member_of(CHAIR.user_id) == key  # the last member cannot leave
    assert "H:i" in {b.action for m in last.messages for row in m.buttons for b in row}
    # The founder hands over and leaves; coming back, they found an association whose key is not
    # their Telegram id (the association they left keeps it).
    await join(service, TREASURER, await invite(service, CHAIR))
    await service.press(CHAIR, "H:l")
    assert await store.member_of(CHAIR.user_id) is None and await store.member_of(TREASURER.user_id) == key
    await onboard(service, CHAIR, "de")
    fresh = await store.member_of(CHAIR.user_id)
    assert fresh is not None and fresh < 0 and fresh != key


async def test_delete_for_everyone_tells_the_others(tmp_path: Path, clock: Clock) -> None:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    store = service.store
    await onboard(service, CHAIR, "de")
    key = await store.member_of(CHAIR.user_id)
    await join(service, TREASURER, await invite(service, CHAIR))
    await service.press(CHAIR, "X:a")
    assert key is not None and await store.user(key) is None
    told = await store.fetch_all("SELECT chat_id, user_id, payload FROM outbox WHERE purpose = 'members' "
                                 "AND state = 'pending'")
    assert [(r["chat_id"], r["user_id"]) for r in told][-1] == (TREASURER.user_id, None)
    assert "Yönetim" in told[-1]["payload"] or "board member" in told[-1]["payload"] or told[-1]["payload"]
    assert await store.member_of(TREASURER.user_id) is None


async def test_switching_associations_asks_first_and_keeps_the_others_data(tmp_path: Path, clock: Clock) -> None:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    store = service.store
    screen = live(await onboard(service, OTHER, "de"))
    await answer_current(service, OTHER, screen)  # OTHER answers for an association of its own
    await onboard(service, CHAIR, "de")
    link = await invite(service, CHAIR)
    opened = await service.invitation(OTHER, link)
    labels = [b.label for m in opened.messages for row in m.buttons for b in row]
    assert "Löschen und beitreten" in labels or "Delete and join" in labels  # says what happens
    assert await store.member_of(OTHER.user_id) == OTHER.user_id  # nothing changed by opening it
    await service.press(OTHER, "H:n")
    assert await store.user(OTHER.user_id) is not None


async def test_each_existing_user_becomes_the_one_member_of_its_association(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = len(MIGRATIONS) - 1  # the schema before members
    monkeypatch.setattr("bot.storage.database.MIGRATIONS", MIGRATIONS[:before])
    db = await connect(tmp_path / "old.sqlite3")
    monkeypatch.undo()
    try:
        assert await schema_version(db) == before
        await db.execute("INSERT INTO users (id, language, created_at, prompt_ref) VALUES "
                         "(5, 'tr', '2026-01-01', '5:17'), (6, 'ar', '2026-02-01', NULL)")
        await migrate(db)
        assert await schema_version(db) == len(MIGRATIONS)
        async with db.execute("SELECT chat_id, user_id, language, joined_at, prompt_ref FROM members "
                              "ORDER BY chat_id") as cursor:
            assert [tuple(r) for r in await cursor.fetchall()] == [(5, 5, "tr", "2026-01-01", "5:17"),
                                                                   (6, 6, "ar", "2026-02-01", None)]
        await db.execute("DELETE FROM users WHERE id = 5")
        async with db.execute("SELECT chat_id FROM members") as cursor:
            assert [r[0] for r in await cursor.fetchall()] == [6]  # members go with their association
    finally:
        await db.close()


async def test_mydata_lists_the_members_as_a_member_sees_them(tmp_path: Path, clock: Clock) -> None:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    privacy = PrivacyService(service.store, service.engine, TZ, 365, 1095)
    await onboard(service, CHAIR, "de")
    await join(service, TREASURER, await invite(service, CHAIR))
    await invite(service, CHAIR)  # one more, not used
    out = await service.run(TREASURER, None, privacy.my_data)
    data = json.loads(out.documents[0].content)
    assert data["telegram_user_id"] == TREASURER.user_id
    # The treasurer answers for the association: no partner contact, the language is their own.
    assert await service.store.takes_part(TREASURER.user_id)
    assert await service.language_of(TREASURER) == "tr"
    assert data["user"]["id"] == CHAIR.user_id  # the association's answers, not an empty account
    assert data["board_members"]["members"] == [
        {"you": False, "joined_at": "2026-12-01T10:00:00+01:00"},
        {"you": True, "joined_at": "2026-12-01T10:00:00+01:00", "telegram_user_id": TREASURER.user_id,
         "language": "tr"}]
    assert [(i["used"], i["withdrawn"]) for i in data["board_members"]["invitations"]] == [(True, False),
                                                                                         (False, False)]


class Flaky:
    """A transport that asks to wait once for one chat and finds another unreachable."""

    def __init__(self, wait_once: int | None = None, unreachable: int | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.wait_once, self.unreachable = wait_once, unreachable

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        if chat_id == self.wait_once:
            self.wait_once = None
            raise RetryLater(0)
        if chat_id == self.unreachable:
            raise Unreachable("Forbidden: bot was blocked by the user")
        assert parcel.screen is not None
        self.sent.append((chat_id, parcel.screen.text))


async def _board(tmp_path: Path, clock: Clock) -> tuple[SurveyService, int]:
    service = await open_service(tmp_path / "db.sqlite3", clock)
    await onboard(service, CHAIR, "de")
    await join(service, TREASURER, await invite(service, CHAIR))
    await join(service, OTHER, await invite(service, CHAIR))
    key = await service.store.member_of(CHAIR.user_id)
    assert key is not None
    async with service.store.transaction():
        await service.store.db.execute("DELETE FROM outbox")  # the notices of joining
        await OutboxStore(service.store).enqueue(key, key, "office", screen_payload(Screen(text="Hallo")))
    return service, key


async def test_a_message_to_the_association_reaches_each_member_once(tmp_path: Path, clock: Clock) -> None:
    service, _key = await _board(tmp_path, clock)
    transport = Flaky(wait_once=TREASURER.user_id)
    worker = OutboxWorker(service.store, transport, Composers({}).compose, rate=None, chat_interval=0.0)
    await worker.drain(horizon=5)  # the chair's copy goes, the treasurer's waits, then goes; nobody's twice
    assert sorted(transport.sent) == [(CHAIR.user_id, "Hallo"), (TREASURER.user_id, "Hallo"), (OTHER.user_id, "Hallo")]
    assert len(transport.sent) == 3


async def test_a_member_who_blocked_the_bot_misses_it_the_others_do_not(tmp_path: Path, clock: Clock) -> None:
    service, key = await _board(tmp_path, clock)
    transport = Flaky(unreachable=TREASURER.user_id)
    await OutboxWorker(service.store, transport, Composers({}).compose, rate=None, chat_interval=0.0).drain()
    assert sorted(transport.sent) == [(CHAIR.user_id, "Hallo"), (OTHER.user_id, "Hallo")]
    member = await MemberStore(service.store).member(TREASURER.user_id)
    user = await service.store.user(key)
    assert member is not None and member.blocked_at is not None and user is not None and user.blocked_at is None


@pytest.mark.parametrize("acting", [CHAIR, TREASURER], ids=["founder", "joined"])
async def test_a_reply_queued_in_a_turn_goes_to_the_member_who_acted(tmp_path: Path, clock: Clock,
                                                                     acting: Visitor) -> None:
    service, key = await _board(tmp_path, clock)
    reply = ACTING.set(acting.user_id)
    try:
        async with service.store.transaction():
            await OutboxStore(service.store).enqueue(key, key, "reply", screen_payload(Screen(text="Karten")))
    finally:
        ACTING.reset(reply)
    transport = Flaky()
    await OutboxWorker(service.store, transport, Composers({}).compose, rate=None, chat_interval=0.0).drain()
    assert sorted(t for t in transport.sent if t[1] == "Karten") == [(acting.user_id, "Karten")]
    assert len([t for t in transport.sent if t[1] == "Hallo"]) == 3  # the office's message: everyone


async def test_typed_input_the_bot_waits_for_is_the_members_who_was_asked(settings: Settings) -> None:
    services = await open_services(settings.model_copy(update={"quiet_hours": ""}))
    try:
        survey, store = services.survey, services.store
        await onboard(survey, CHAIR, "de")
        await join(survey, TREASURER, await invite(survey, CHAIR))
        async with store.transaction():
            message = await services.mail.send(1, CHAIR.user_id, "Wie geht es?", "de")
        asked = await survey.press(CHAIR, f"M:r{message}")
        assert asked.messages and asked.messages[-1].expects_text
        await survey.text(TREASURER, "Verein Sonnenblume")  # the treasurer answers the questionnaire
        await survey.text(CHAIR, "Danke, gut.")  # the chair replies to the office
        replies = await store.fetch_all("SELECT text FROM office_messages WHERE direction = 'in'")
        assert [r["text"] for r in replies] == ["Danke, gut."]
    finally:
        await services.close()
