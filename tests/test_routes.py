"""Who may do what (issue 24): every command and button kind of the routing table, from every
role, through the real Application over HTTP.

The capabilities are replaced by recorders, so the test sees exactly which capability each
update reached. A pair the table allows reaches its capability; any other pair is refused
before a capability runs (only the refusal helpers are called), which the log line "refused"
marks. The end-to-end tests below replay the holes the issue found with the real services.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import CommandHandler

from bot.kernel.actions import _SHAPES, Kind
from bot.kernel.outcome import Outcome
from bot.kernel.routes import ROUTES, SURVEY_COMMANDS, Capability, Role, button_key, find
from bot.kernel.settings import Settings
from conversations.context import BotApplication
from tests.helpers.bot_api_stub import StoredMessage, StubBotAPI
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, running_bot
from tests.test_partners_e2e import invite, monthly_claimed, plan, world
from tests.test_suggestions_e2e import complete

STAFF, STAFF_GROUP, OTHER_GROUP = 7001, -100123, -100999
PEOPLE = {Role.ASSOCIATION: 5001, Role.STAFF: STAFF, Role.STAFF_CHAT: STAFF, Role.PARTNER: 8001,
          Role.REVOKED: 8002, Role.STRANGER: 9001}
CHATS = {Role.STAFF_CHAT: STAFF_GROUP, Role.STRANGER: OTHER_GROUP}
def _data(kind: Kind) -> str:
    """Well-formed data of this kind naming someone else's submission (7)."""
    has_submission, has_question, has_value = _SHAPES[kind]
    return ":".join([kind.value, *(["7"] if has_submission else []), *(["q"] if has_question else []),
                     *(["v"] if has_value else [])])


# Button data for each button key: right kind, someone else's ids.
BUTTON_DATA = {
    "button Z:msos": "Z:msos:2", "button Z:proposal": "Z:proposal:a7", "button Z:step": "Z:save:yes",
    "button Z:try": "Z:try:go", "button G": "G:7:i", "button I": "I:7:a", "button M": "M:r7",
    "button Q:join": "Q:y0123456789abcdef01", "button Q:answer": "Q:a7", "button Q:delete": "Q:x",
    **{f"button {k.value}": _data(k) for k in _SHAPES},
}
REFUSALS = {"staff.refuse", "survey.help", "partners.other", "press none"}


@pytest.fixture
async def app(settings: Settings, bot_api: StubBotAPI) -> AsyncIterator[tuple[BotApplication, Processed]]:
    processed = Processed()
    own = settings.model_copy(update={"staff_ids": [STAFF], "staff_chat_id": STAFF_GROUP})
    async with running_bot(own, bot_api, processed) as application:
        yield application, processed


class Recorder:
    """Stands in for every capability entry point; records which one an update reached."""

    def __init__(self, application: BotApplication, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        services = application.bot_data["services"]
        services.partners._contacts = {PEOPLE[Role.PARTNER]: True, PEOPLE[Role.REVOKED]: False}
        # `member` and `run`: the companions' commands (/suggestions, /settings, /privacy, /mydata)
        # run as steps of the association's turn.
        survey = ("start", "show_answers", "choose_language", "ask_delete", "text", "unsupported", "edited",
                  "member", "run", "invitation")
        for name in survey:
            self.replace(monkeypatch, services.survey, name, "survey")
        self.replace(monkeypatch, services.survey, "help", "survey.help")
        self.replace(monkeypatch, services.partners, "start", "invitation")
        self.replace(monkeypatch, services.staff, "refuse", "staff.refuse")
        self.replace(monkeypatch, services.staff, "text", "staff")
        self.replace(monkeypatch, services.staff, "private_only", "private only")
        self.replace(monkeypatch, services.staff, "propose", "proposals")
        self.replace(monkeypatch, services.staff, "stale", "press none")
        self.pressing(monkeypatch, services.staff, "press_proposing", lambda a: a[1], "proposals")

        async def has_flow(_user_id: int) -> bool:
            return True

        monkeypatch.setattr(services.staff, "has_flow", has_flow)
        self.pressing(monkeypatch, services.survey, "press", lambda a: a[1], "survey")
        self.pressing(monkeypatch, services.staff, "press", lambda a: a[2], "staff")
        self.pressing(monkeypatch, services.partners, "press", lambda a: a[1], "partners")
        self.pressing(monkeypatch, services.staff, "command", lambda a: "x", "staff")

        async def command(*args: Any, **_kw: Any) -> Outcome:
            self.calls.append("partners.other" if args[1] == "other" else "partners")
            return Outcome()

        monkeypatch.setattr(services.partners, "command", command)

    def replace(self, monkeypatch: pytest.MonkeyPatch, target: object, name: str, label: str) -> None:
        async def recorded(*_args: Any, **_kwargs: Any) -> Outcome:
            self.calls.append(label)
            return Outcome()
        monkeypatch.setattr(target, name, recorded)

    def pressing(self, monkeypatch: pytest.MonkeyPatch, target: object, name: str, data: Any, label: str) -> None:
        async def recorded(*args: Any, **_kwargs: Any) -> Outcome:
            pressed = data(args)
            if label == "partners" and isinstance(pressed, str) and button_key(pressed) == "button Q:join":
                label_now = "invitation"
            else:
                label_now = label
            self.calls.append("press none" if pressed is None else label_now)
            return Outcome()
        monkeypatch.setattr(target, name, recorded)


def _message(user_id: int, chat_id: int, text: str) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
    message: dict[str, Any] = {"message_id": 1, "date": int(time.time()), "chat": chat,
                               "from": {"id": user_id, "is_bot": False, "first_name": "X"}, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return message


async def _send(bot_api: StubBotAPI, processed: Processed, role: Role, text: str | None, data: str | None) -> None:
    user = PEOPLE[role]
    chat = CHATS.get(role, user)
    if data is None:
        update_id = await bot_api.push({"message": _message(user, chat, text or "")})
    else:
        shown = StoredMessage(chat, 1, "earlier", {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
                              True).as_json()
        shown["chat"]["type"] = "private" if chat > 0 else "supergroup"
        update_id = await bot_api.push({"callback_query": {
            "id": f"cq{update_id_hint(bot_api)}", "chat_instance": "1", "data": data, "message": shown,
            "from": {"id": user, "is_bot": False, "first_name": "X"}}})
    await processed.wait(update_id)


def update_id_hint(bot_api: StubBotAPI) -> int:
    return len(bot_api.updates) + 1


def _keys() -> list[str]:
    return sorted({r.key for r in ROUTES})


async def test_every_route_from_every_role(app: tuple[BotApplication, Processed], bot_api: StubBotAPI,
                                           monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    application, processed = app
    recorder = Recorder(application, monkeypatch)
    wrong: list[str] = []
    caplog.set_level(logging.INFO, logger="bot.router")
    for key in _keys():
        for role in Role:
            recorder.calls.clear()
            caplog.clear()
            if key.startswith("/"):
                text = {"/start invitation": "/start p_0123456789abcdefghijkl",
                            "/start membership": "/start m_0123456789abcdefghijkl"}.get(key, key)
                await _send(bot_api, processed, role, text, None)
            else:
                await _send(bot_api, processed, role, None, BUTTON_DATA[key])
            route = find(key, role)
            refused = any(r.getMessage().startswith("refused") for r in caplog.records)
            if route is not None:
                reached = "survey.help" if key == "/help" and route.capability is Capability.SURVEY \
                    else route.capability.value
                if refused or recorder.calls != [reached]:
                    wrong.append(f"{key} from {role}: allowed, but reached {recorder.calls} (refused: {refused})")
            elif not refused or not set(recorder.calls) <= REFUSALS:
                wrong.append(f"{key} from {role}: not allowed, but reached {recorder.calls} (refused: {refused})")
    assert not wrong, "\n".join(wrong)


async def test_typed_text_reaches_only_what_the_role_may_use(
        app: tuple[BotApplication, Processed], bot_api: StubBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    application, processed = app
    recorder = Recorder(application, monkeypatch)
    expected = {Role.ASSOCIATION: ["survey"], Role.STAFF: ["staff"], Role.STAFF_CHAT: ["staff"],
                Role.PARTNER: ["staff"], Role.REVOKED: ["partners.other"], Role.STRANGER: []}
    for role, reached in expected.items():
        recorder.calls.clear()
        await _send(bot_api, processed, role, "Schritt 2", None)
        assert recorder.calls == reached, role


def test_every_route_has_roles_and_every_command_and_button_kind_a_route(
        app: tuple[BotApplication, Processed]) -> None:
    application, _processed = app
    assert all(route.roles for route in ROUTES)
    for key in {r.key for r in ROUTES}:  # one capability per key and role
        for role in Role:
            assert sum(1 for r in ROUTES if r.key == key and role in r.roles) <= 1, (key, role)
    registered = {c for group in application.handlers.values() for h in group
                  if isinstance(h, CommandHandler) for c in h.commands}
    assert registered == {r.key[1:] for r in ROUTES if r.key.startswith("/") and " " not in r.key}
    assert {button_key(data) for data in BUTTON_DATA.values()} == {r.key for r in ROUTES if r.key.startswith("button")}
    assert set(Capability) == {r.capability for r in ROUTES}
    # The association's commands: each routed one has its entry point, and no entry point is unrouted.
    services = application.bot_data["services"]
    assert set(services.association_commands()) == set(SURVEY_COMMANDS)


# -- the holes the issue found, with the real services ------------------------------------------

async def _joined(settings: Settings, staff: Phone, contact: Phone) -> StoredMessage:
    """The contact joins AWO by a link; returns the confirmation (its Yes button is the join)."""
    confirm = (await contact.send(f"/start {await invite(staff)}"))[-1]
    await contact.tap(lambda d: d.startswith("Q:y"), message=confirm)
    assert contact.last().text.startswith("✅") or "AWO" in contact.last().text
    return confirm


async def test_a_partner_contact_pressing_a_staff_list_button_sees_no_association(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings, processed, staff, contact = await world(settings, bot_api)
    association = Phone(bot_api, 5011, "de", processed)
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await complete(association, "de", "Kulturverein Geheim", plan(need_funding="urgent"))
        confirm = await _joined(settings, staff, contact)
        since = len(bot_api.calls)
        await contact.press("Z:msos:1", message=confirm)
        await contact.send("/workshop")  # what a contact may do still works
    shown = " ".join(str(c.params.get("text", "")) for c in bot_api.calls[since:])
    assert "Geheim" not in shown
    assert "Workshop" in shown or "workshop" in shown


async def test_neither_staff_nor_an_association_joins_as_a_partner_contact_by_pressing_the_button(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings, processed, staff, contact = await world(settings, bot_api)
    association = Phone(bot_api, 5012, "de", processed)
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await complete(association, "de", "Kulturverein Offen", plan())
        confirm = (await contact.send(f"/start {await invite(staff)}"))[-1]
        join = Phone.button_data(confirm, lambda d: d.startswith("Q:y"))
        await staff.press(join, message=staff.last())  # the data another person's screen carries
        await association.press(join, message=association.last())
        with sqlite3.connect(settings.database) as db:
            assert db.execute("SELECT count(*) FROM partner_contacts").fetchone()[0] == 0
        await contact.tap(lambda d: d.startswith("Q:y"), message=confirm)  # the invited person still can
    with sqlite3.connect(settings.database) as db:
        assert [r[0] for r in db.execute("SELECT user_id FROM partner_contacts")] == [contact.user_id]


async def test_a_revoked_contact_cannot_go_on_with_a_workshop_proposal(
        settings: Settings, bot_api: StubBotAPI) -> None:
    settings, processed, staff, contact = await world(settings, bot_api)
    async with running_bot(settings, bot_api, processed):
        await monthly_claimed(settings)
        await _joined(settings, staff, contact)
        await contact.send("/workshop")
        with sqlite3.connect(settings.database) as db:
            assert db.execute("SELECT count(*) FROM staff_flows WHERE user_id = ?", (contact.user_id,)).fetchone()[0]
            before = db.execute("SELECT step, data FROM staff_flows WHERE user_id = ?", (contact.user_id,)).fetchone()
        await staff.send(f"/partner revoke {contact.user_id}")
        since = len(bot_api.calls)
        await contact.send("Buchführung für Vereine")
    with sqlite3.connect(settings.database) as db:
        after = db.execute("SELECT step, data FROM staff_flows WHERE user_id = ?", (contact.user_id,)).fetchone()
    assert after is None or after == before  # the step took nothing
    texts = [str(c.params.get("text")) for c in bot_api.calls[since:] if c.method == "sendMessage"]
    assert texts and all("Buchführung" not in t for t in texts)
