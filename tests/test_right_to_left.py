"""Right-to-left readers get text that lays out right: every screen the bot can show, in Arabic,
Persian and Sorani, checked mechanically (issue 18)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest

from bot.kernel.bidi import ISOLATES, PDI, RLM, directed, first_strong, outside_isolates, strong
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Screen
from bot.kernel.style import DIGITS
from bot.review.gallery import collect

CATALOGS = Catalogs()
RTL = [code for code in CATALOGS.languages if CATALOGS.translator(code).rtl]
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
COMMAND = re.compile(r"/[a-z_]+")


def layout_problems(text: str, digits: str) -> list[str]:
    """What a right-to-left reader would see wrong in one text. A text with no right-to-left
    letter at all (a language named in its own script on the picker, "Deutsch") is a
    left-to-right text of its own and lays out as such."""
    found = []
    if not any(strong(ch) == "R" for ch in text):
        return [f"command outside an isolate: {text!r}"] if COMMAND.search(outside_isolates(text)) else []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if first_strong(line) == "L" or (first_strong(line) is None and LATIN.search(line)):
            found.append(f"starts left to right: {line!r}")
        plain = outside_isolates(line)
        if LATIN.search(plain):
            found.append(f"Latin outside an isolate: {line!r}")
        if COMMAND.search(plain):
            found.append(f"command outside an isolate: {line!r}")
        stray = "".join(v for k, v in DIGITS.items() if k != digits)
        if digits != "latn" and re.search(f"[{stray}]", plain):
            found.append(f"digits other than {digits}: {line!r}")
        if line.count(PDI) != sum(line.count(i) for i in ISOLATES):
            found.append(f"unbalanced isolates: {line!r}")
    return found


def texts(screen: Screen) -> list[str]:
    return [screen.text, *[b.label for row in screen.buttons for b in row]]


def test_the_right_to_left_languages_are_there() -> None:
    assert {"ar", "fa"} <= set(RTL)


@pytest.mark.parametrize("language", RTL)
async def test_every_screen_lays_out_right_to_left(language: str) -> None:
    digits = CATALOGS.style(language).digits
    shown = await collect(language)
    # Not the files' contents (the calendar file, /mydata): machine formats, not chat text.
    found = [f"{s.kind}: {p}" for s in shown if s.kind != "file"
             for text in texts(s.screen) for p in layout_problems(text, digits)]
    assert not found, "\n".join(found[:20])


def test_the_helper_isolates_commands_abbreviations_and_names() -> None:
    text = directed("أرسل /answers لجمعية (e.V.) في Wuppertal.\nMSO Assistant ربات")
    assert not layout_problems(text, "latn")
    first, second = text.split("\n")
    assert "\u2066/answers\u2069" in first and "\u2066(e.V.)\u2069" in first
    assert first.endswith("\u2069.")  # the full stop stays with the right-to-left sentence
    assert second.startswith("\u2066MSO Assistant\u2069")  # Latin first, yet the line reads right to left
    assert directed(text) == text  # a stored screen may pass again
    assert directed("MSO ربات\ne.V.").endswith(RLM + "\u2066e.V.\u2069")
    assert directed("Deutsch") == "Deutsch"  # a language's own name on the picker


def test_the_checks_catch_what_they_guard() -> None:
    assert layout_problems("MSO Assistant ربات", "latn")
    assert layout_problems("أرسل /answers", "latn")
    assert layout_problems("۵ سوال از 27", "arabext")
    assert not layout_problems(directed("۵ سوال از ۲۷"), "arabext")


def test_numbers_and_dates_use_the_style_sheets_digits() -> None:
    for code in RTL:
        t = CATALOGS.translator(code)
        written = t.number(27) + t.date(date(2026, 12, 1))
        wanted = DIGITS[CATALOGS.style(code).digits]
        assert all(ch in wanted for ch in written if unicodedata.category(ch) == "Nd"), (code, written)
