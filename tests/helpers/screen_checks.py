"""Mechanical checks of what a reader sees, for every gallery screen in every language (issue
30): no two full stops in a row, no Latin comma in Arabic-script text, one digit system per
screen, arrows that point the way the text reads, no fixed word left in English."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po

from bot.kernel.actions import Kind
from bot.kernel.bidi import ISOLATES, PDI, outside_isolates
from bot.kernel.i18n import Translator
from bot.kernel.outcome import Screen
from bot.kernel.style import DIGITS
from bot.kernel.text import BIDI_CONTROLS

# Arrows that point the way a left-to-right text reads; their mirror images the other way.
FORWARD_LTR, FORWARD_RTL = "→⏭➡", "←⏮⬅"
_DIGIT = re.compile(r"\d")
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")  # not a thousands separator (1,095)
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_NOT_A_NUMBER = re.compile(r"[A-Za-z\u00C0-\u024F@+]")  # a name, address, e-mail or phone number


def plain(text: str) -> str:
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def isolates(text: str) -> list[str]:
    """The outermost isolated runs of a text, without their marks."""
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in ISOLATES:
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start:i])
    return found


def double_stops(text: str) -> list[str]:
    """"9 янв. 2027 г.." — a sentence that ends in an abbreviation and then its own full stop
    (an ellipsis of three is meant)."""
    return [m.group(0) for m in re.finditer(r"\S*(?<!\.)\.\s*\.(?!\.)", plain(text))]


def latin_commas(text: str) -> list[str]:
    """Latin commas in Arabic-script text: outside isolates, and inside the isolated runs that
    hold no Latin letters (a date, a list); a Latin address or name keeps its own, and so does
    a number written in Western digits (1,095)."""
    found = []
    for line in text.split("\n"):
        inner = [run for run in isolates(line) if not _LATIN.search(run)]
        if _COMMA.search(outside_isolates(line)) or any(_COMMA.search(run) for run in inner):
            found.append(line)
    return found


def digit_systems(texts: Iterable[str]) -> set[str]:
    """The digit systems of a screen's numbers: everything but names, addresses, e-mail
    addresses and phone numbers people typed (isolated, with letters or a + in them)."""
    systems = set()
    for text in texts:
        counted = outside_isolates(text) + "".join(
            run for run in isolates(text) if not _NOT_A_NUMBER.search(run))
        for ch in _DIGIT.findall(counted):
            systems |= {name for name, digits in DIGITS.items() if ch in digits} or {f"other({ch})"}
    return systems


def arrow_problems(screen: Screen, rtl: bool) -> list[str]:
    """Arrows against the reading direction: "→" between an old and a new value points at the
    old one in Arabic; Back and the forward buttons point opposite ways."""
    wrong = FORWARD_LTR if rtl else FORWARD_RTL
    back, forward = ("▶", "◀") if rtl else ("◀", "▶")
    found = [f"arrow {ch!r} in {text[:60]!r}" for text in texts(screen) for ch in wrong if ch in text]
    for row in screen.buttons:
        for b in row:
            if b.role is Kind.BACK and forward in b.label:
                found.append(f"Back points forward: {b.label!r}")
            if b.role in (Kind.KEEP, Kind.CONTINUE) and back in b.label:
                found.append(f"{b.role.name} points back: {b.label!r}")
    return found


def texts(screen: Screen) -> list[str]:
    return [screen.text, *[b.label for row in screen.buttons for b in row]]


def fixed_english(t: Translator, english: dict[str, str], text: str) -> list[str]:
    """English catalog texts (those the language translates differently) left in a screen, outside
    what people typed (isolated)."""
    found = []
    bare = plain(outside_isolates(text))
    for source, pattern in english.items():
        if pattern and re.search(pattern, bare) and t.gettext(source).strip() != source:
            found.append(source)
    return found


def worded(screen: Screen) -> list[str]:
    """The texts written in the reader's language: not the picker's language names, each in its own."""
    return [screen.text, *[b.label for row in screen.buttons for b in row if b.role is not Kind.LANGUAGE]]


def english_texts(pot: Path) -> dict[str, str]:
    """Every fixed English text of the catalog template (no placeholders, four characters or
    more), as a pattern that finds it as a whole."""
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: rf"(?<![\w-]){re.escape(m.id)}(?![\w-])" for m in catalog
            if isinstance(m.id, str) and len(m.id) >= 4 and "{" not in m.id}


def screen_problems(t: Translator, english: dict[str, str], screen: Screen) -> list[str]:
    found = [f"two full stops: {s!r}" for text in texts(screen) for s in double_stops(text)]
    if t.rtl:
        found += [f"Latin comma: {line!r}" for text in texts(screen) for line in latin_commas(text)]
    systems = digit_systems(texts(screen))
    if systems - {t.style.digits}:
        found.append(f"digits {sorted(systems)}, not only {t.style.digits}")
    found += arrow_problems(screen, t.rtl)
    if t.code != "en":
        found += [f"English left: {w!r}" for text in worded(screen) for w in fixed_english(t, english, text)]
    return found


def uncovered(po: Path, code: str, shown: Iterable[Screen]) -> list[str]:
    """The catalog's entries (each plural form on its own) that no screen shows: a translation
    is found when a screen holds its text, with anything in place of its placeholders."""
    pieces = [plain(text) for screen in shown for text in texts(screen)]
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for form, string in enumerate(strings):
            text = plain(string or msgid)
            parts = re.split(r"\{[a-z_]+\}|%\([a-z_]+\)s", text)  # str.format's and Jinja's
            longest = max(parts, key=len)
            pattern = re.compile(".+?".join(re.escape(p) for p in parts), re.S)
            if not any(longest in piece and pattern.search(piece) for piece in pieces):
                missing.append(msgid if len(strings) == 1 else f"{msgid} [plural form {form}]")
    return missing
