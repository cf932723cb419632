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
from bot.kernel.i18n import Catalogs, default_locales_dir
from bot.kernel.outcome import Button, Screen
from bot.review.gallery import Shown, collect_all
from tests.helpers.screen_checks import double_stops, english_texts, screen_problems

CATALOGS = Catalogs()
LANGUAGES = CATALOGS.languages
ENGLISH = english_texts(default_locales_dir() / "messages.pot")


@pytest.fixture(scope="module")
def gallery() -> dict[str, list[Shown]]:
    return asyncio.run(collect_all(LANGUAGES))


def test_every_screen_in_every_language_passes_the_mechanical_checks(gallery: dict[str, list[Shown]]) -> None:
    assert len(gallery) == len(LANGUAGES) >= 15
    found = []
    for code, shown in gallery.items():
        t = CATALOGS.translator(code)
        found += [f"{code} {s.kind} ({s.title}): {p}" for s in shown for p in screen_problems(t, ENGLISH, s.screen)]
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
