"""Every screen the gallery renders, in every language, passes Telegram's limits (issue 23): a
long translation must not break a screen in one language only.

Each screen is turned into the calls the Telegram adapter makes (its text cut as
`conversations.delivery` cuts it, its buttons as they are, not filtered) and checked by the
strict stub's own checks; so are every language's command menus and descriptions.
"""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Screen
from bot.kernel.text import split_text
from bot.partners.service import PARTNER_MENU
from bot.review.gallery import Shown, collect
from bot.staff.service import STAFF_MENU
from conversations import menus
from conversations.delivery import MESSAGE_LIMIT
from tests.helpers.bot_api import checks

CATALOGS = Catalogs()
STAFF = Catalogs(domain="staff")


def sent(screen: Screen) -> list[tuple[str, dict[str, object]]]:
    """The calls the adapter makes for a screen, as the stub reads them."""
    chunks = split_text(screen.text, MESSAGE_LIMIT)
    calls: list[tuple[str, dict[str, object]]] = [("sendMessage", {"chat_id": 1, "text": c}) for c in chunks[:-1]]
    last: dict[str, object] = {"chat_id": 1, "text": chunks[-1]}
    if screen.buttons:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
                                       for row in screen.buttons])
        last["reply_markup"] = markup.to_dict()
    calls.append(("sendMessage", last))
    return calls


def problems(calls: list[tuple[str, dict[str, object]]]) -> list[str]:
    found = []
    for method, params in calls:
        refusal = checks.refusal(method, params)
        if refusal is not None:
            found.append(f"{method}: {refusal.description}")
    return found


@pytest.mark.parametrize("language", CATALOGS.languages)
async def test_every_gallery_screen_fits_telegram(language: str) -> None:
    shown = await collect(language)
    assert len(shown) > 100
    found = [f"{s.kind} / {s.title}: {p}" for s in shown for p in problems(sent(s.screen))]
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize("language", STAFF.languages)
def test_every_office_chat_screen_fits_telegram(office_gallery: dict[str, list[Shown]], language: str) -> None:
    """What partner contacts and staff get in Telegram (not the web view's pages nor the documents'
    text, which are no messages)."""
    shown = [s for s in office_gallery[language] if s.kind in ("partner", "staff", "plural")]
    assert len(shown) > 100
    found = [f"{s.kind} / {s.title}: {p}" for s in shown for p in problems(sent(s.screen))]
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize("language", CATALOGS.languages)
def test_every_language_has_a_menu_and_descriptions_telegram_takes(language: str) -> None:
    t = CATALOGS.translator(language)
    code = menus.telegram_code(language) or ""
    calls: list[tuple[str, dict[str, object]]] = [
        ("setMyCommands", {"commands": [c.to_dict() for c in menus.commands(menus.USER_MENU, t)],
                           "language_code": code}),
        ("setMyDescription", {"description": t.gettext(menus.DESCRIPTION), "language_code": code}),
        ("setMyShortDescription", {"short_description": t.gettext(menus.SHORT_DESCRIPTION), "language_code": code}),
    ]
    assert not problems(calls)
    assert (language == "en") or t.gettext(menus.SHORT_DESCRIPTION) != menus.SHORT_DESCRIPTION, "not translated"


@pytest.mark.parametrize("language", STAFF.languages)
def test_the_staff_and_partner_menus_fit(language: str) -> None:
    t = STAFF.translator(language)
    for menu in (STAFF_MENU + menus.USER_MENU, PARTNER_MENU):
        assert not problems([("setMyCommands", {"commands": [c.to_dict() for c in menus.commands(menu, t)],
                                                "scope": {"type": "chat", "chat_id": 1}})])


def test_the_checks_catch_a_screen_telegram_would_refuse() -> None:
    from bot.kernel.actions import Kind
    from bot.kernel.outcome import Button
    too_long = Screen(text="x", buttons=[[Button(label="Ja", action="A:" + "1" * 63, role=Kind.ANSWER)]])
    assert problems(sent(too_long)) == ["sendMessage: Bad Request: BUTTON_DATA_INVALID"]
    assert problems(sent(Screen(text="ok", buttons=[[Button(label="", action="A:1", role=Kind.ANSWER)]])))
    assert not problems(sent(Screen(text="🙂" * 3000)))  # cut into two messages
    assert problems([("setMyShortDescription", {"short_description": "Ж" * 121})])
