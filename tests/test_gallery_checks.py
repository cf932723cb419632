"""Every screen of the gallery, in every language, checked mechanically for what a native
reader would mark (issue 30): two full stops in a row ("9 янв. 2027 г.."), a Latin comma in
Arabic-script text, two digit systems on one screen, an arrow pointing against the reading
direction, a fixed word left in English. Plus the catalog itself: no `{date}` entry, with any
language's dates put in, ends in an abbreviation's full stop and then its own."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from bot.kernel.actions import Kind
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs, default_locales_dir
from bot.kernel.outcome import Button, Screen
from bot.review.gallery import Shown, collect_all
from tests.helpers.screen_checks import double_stops, english_texts, screen_problems, uncovered

CATALOGS = Catalogs()
LANGUAGES = CATALOGS.languages
ENGLISH = english_texts(default_locales_dir() / "messages.pot")
STAFF_CATALOGS = Catalogs(domain=STAFF_DOMAIN)
STAFF_LANGUAGES = STAFF_CATALOGS.languages


@pytest.fixture(scope="module")
def gallery() -> dict[str, list[Shown]]:
    return asyncio.run(collect_all(LANGUAGES))


@pytest.fixture(scope="module")
def office(office_gallery: dict[str, list[Shown]]) -> dict[str, list[Shown]]:
    """What partner contacts and staff read, in each staff language (staff.po)."""
    return office_gallery


def test_every_screen_in_every_language_passes_the_mechanical_checks(gallery: dict[str, list[Shown]]) -> None:
    assert len(gallery) == len(LANGUAGES) >= 15
    found = []
    for code, shown in gallery.items():
        t = CATALOGS.translator(code)
        # Not the files' contents: JSON and iCalendar have their own commas, digits and keys
        # (what a calendar shows of the .ics is checked in test_reader_formats).
        found += [f"{code} {s.kind} ({s.title}): {p}" for s in shown if s.kind != "file"
                  for p in screen_problems(t, ENGLISH, s.screen)]
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:30])


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_date_ends_a_sentence_with_a_second_full_stop(code: str) -> None:
    """Each `{date}` entry with the language's own dates, the short and the long form."""
    t = CATALOGS.translator(code)
    with (default_locales_dir() / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if "{date}" in text:
                for day in (t.date(date(2027, 1, 9)), t.date(date(2027, 1, 9), "full")):
                    filled = re.sub(r"\{(?!date\})[a-z_]+\}", "x", text).replace("{date}", day)
                    found += [f"{message.id!r}: {s}" for s in double_stops(filled)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("code", STAFF_LANGUAGES)
def test_what_partner_contacts_and_staff_read_passes_the_checks_too(office: dict[str, list[Shown]],
                                                                     code: str) -> None:
    """Every screen of the office's pages: chats, the web view's pages, the report and the record."""
    t = STAFF_CATALOGS.translator(code)
    english = english_texts(default_locales_dir() / "staff.pot")
    shown = office[code]
    assert {"partner", "staff", "web", "document", "plural"} <= {s.kind for s in shown}
    found = [f"{s.kind} ({s.title}): {p}" for s in shown if s.kind != "file"
             for p in screen_problems(t, english, s.screen)]
    assert not found, "\n".join(found[:30])


# Catalog entries no screen can show, with the reason. Everything else a catalog holds is read
# by someone, so the gallery shows it.
NOT_IN_THE_CHAT = {
    # the terminal chat (`msobot chat`), for trying the bot out: not what associations read
    "MSO Assistant – console chat. Type a number to choose, /help for commands, /quit to leave.",
    "(type your answer)",
    "Goodbye. Your answers are saved; run {command} again to continue.",
    "Goodbye.",
    "The catalog of workshops and partner organisations is empty, so the questionnaire would end without "
    "suggestions.",
    "Load the Wuppertal sample catalog (invented dates and contacts: sample data)",
    "Go on without it",
    "Sample catalog loaded. It is sample data, not real offers.",
    # the questionnaire file's own title: no screen names it
    "Needs survey for migrant self-organisations",
}
# A German reader reads the German original: there is nothing to mark as German.
NOT_IN_GERMAN = {"(in German)"}


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_gallery_shows_every_catalog_entry(gallery: dict[str, list[Shown]], code: str) -> None:
    """Each entry of the language's catalog, each plural form of it too, is on some screen."""
    po = default_locales_dir() / code / "LC_MESSAGES" / "messages.po"
    missing = set(uncovered(po, code, [s.screen for s in gallery[code]])) - NOT_IN_THE_CHAT
    if code == "de":
        missing -= NOT_IN_GERMAN
    assert not missing, f"{code}: {len(missing)} entries on no screen:\n" + "\n".join(sorted(missing)[:30])


# Entries of the office's catalog (staff.po) no screen can show, with the reason.
NOT_ON_AN_OFFICE_SCREEN: dict[str, str] = {
    # A safety net: the steps of /workshop and the web view's form check every field before the
    # catalog's model does, and refuse everything it would refuse.
    "The workshop could not be saved: {problem}": "the model's own check after the steps' checks",
    # What a report's tables call the round before when it has no name: /round and `msobot round
    # open` refuse a round without one.
    "Previous round": "a round without a name",
}


@pytest.mark.parametrize("code", STAFF_LANGUAGES)
def test_the_office_pages_show_every_staff_catalog_entry(office: dict[str, list[Shown]], code: str) -> None:
    """Each entry of staff.po, each plural form of it too, is on some screen of the office's
    page: a chat, the web view, the committee report, the record of processing."""
    po = default_locales_dir() / code / "LC_MESSAGES" / "staff.po"
    missing = set(uncovered(po, code, [s.screen for s in office[code]])) - set(NOT_ON_AN_OFFICE_SCREEN)
    if code == "de":
        missing -= NOT_IN_GERMAN
    assert not missing, f"{code}: {len(missing)} entries on no screen:\n" + "\n".join(sorted(missing)[:40])


def test_the_office_exceptions_are_still_entries_of_the_catalog() -> None:
    """An exception whose text left the catalog is dropped from the list too."""
    with (default_locales_dir() / "staff.pot").open("rb") as handle:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert set(NOT_ON_AN_OFFICE_SCREEN) <= ids


# -- each check catches what it guards ---------------------------------------------------------


def test_the_checks_catch_what_they_guard() -> None:
    ru, ar, fa, tr = (CATALOGS.translator(c) for c in ("ru", "ar", "fa", "tr"))
    assert double_stops("Вы начали 9 янв. 2027 г..") and not double_stops("Warten … und dann...")
    assert screen_problems(ar, ENGLISH, Screen(text="لا حاجة, كبيرة"))
    assert not screen_problems(ar, ENGLISH, Screen(text="لا حاجة، كبيرة \u2066Neumarkt 10, Wuppertal\u2069"))
    assert screen_problems(fa, ENGLISH, Screen(text="۵ سوال از 27"))
    assert not screen_problems(fa, ENGLISH, Screen(text="۵ سوال \u2066+49 202 563 0000\u2069"))
    assert screen_problems(ar, ENGLISH, Screen(text="• الضرائب: كبيرة → لا حاجة"))
    back = Button(label="◀ رجوع", action="B:1:q", role=Kind.BACK)
    assert screen_problems(ar, ENGLISH, Screen(text="سؤال", buttons=[[back]]))
    assert screen_problems(tr, ENGLISH, Screen(text="Yarın\n💻 Online"))  # the .ics location was English
    assert not screen_problems(tr, ENGLISH, Screen(text="📅 \u2068Online-Sitzungen\u2069"))  # staff's title
    assert screen_problems(ru, ENGLISH, Screen(text="Кнопка", buttons=[[Button(label="Skip ⏭", action="S:1:q",
                                                                                  role=Kind.SKIP)]]))
