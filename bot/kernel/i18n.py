"""Catalogs and per-user translators.

No global gettext: every message is rendered with the Translator of the user it goes to
(staff texts with the staff language), so concurrent users never see each other's language.
Source strings (msgids) are English; German is the default language and the fallback.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from bot.kernel.bidi import directed
from bot.kernel.style import LanguageStyle, language_style
from bot.kernel.text import FSI, PDI

log = logging.getLogger(__name__)

DOMAIN = "messages"
STAFF_DOMAIN = "staff"  # the office's texts (digest, staff commands): German and English only
SOURCE_LANGUAGE = "en"
SMALL_NUMBERS = 1000  # whole numbers below this are formatted once per language and kept
# Languages most Wuppertal MSOs are likely to choose come first in the picker.
LIKELY_ORDER = ("de", "tr", "ar", "ru", "uk", "pl", "fa", "ku", "en", "ro", "bg", "el", "it", "sq")



def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def default_locales_dir() -> Path:
    """Catalogs bundled in the wheel, or the source tree's `locales/` in a checkout."""
    package = Path(__file__).resolve().parents[1]  # bot/
    bundled = package / "_locales"
    return bundled if bundled.is_dir() else package.parent / "locales"


@dataclass(frozen=True)
class Arrows:
    step: str  # from one thing to the next: "big → none", "→ answer"
    back: str
    forward: str
    skip: str


LEFT_TO_RIGHT = Arrows(step="→", back="◀", forward="▶", skip="⏭")
RIGHT_TO_LEFT = Arrows(step="←", back="▶", forward="◀", skip="⏮")


class Translator:
    """One user's language: messages, plurals, numbers, dates and text direction."""

    def __init__(self, code: str, translations: _gettext.NullTranslations,
                 fallback: _gettext.NullTranslations | None, catalogs: Catalogs) -> None:
        self.code = code
        self._translations = translations
        self._fallback = fallback
        self._catalogs = catalogs
        self._counts: dict[int, str] = {}  # small whole numbers as this locale writes them
        self._directed: dict[str, str] = {}  # catalog texts as a right-to-left reader gets them
        self.style: LanguageStyle = catalogs.style(code)

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def comma(self) -> str:
        """Between the items of a list: the Arabic comma in right-to-left (Arabic-script) text."""
        return "، " if self.rtl else ", "

    @property
    def semicolon(self) -> str:
        return "؛ " if self.rtl else "; "

    @property
    def rtl(self) -> bool:
        return self.locale.character_order == "right-to-left"

    def gettext(self, message: str) -> str:
        if not message:
            return message
        if self._has(message) or self.code == SOURCE_LANGUAGE:
            return self._direct(self._translations.gettext(message))
        self._catalogs.report_missing(self.code, message)
        return self._fallback.gettext(message) if self._fallback else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self._has(singular) or self.code == SOURCE_LANGUAGE:
            return self._direct(self._translations.ngettext(singular, plural, n))
        self._catalogs.report_missing(self.code, singular)
        source = self._fallback or self._translations
        return source.ngettext(singular, plural, n)

    def _direct(self, text: str) -> str:
        """In a right-to-left language: commands, Latin runs and placeholders isolated, every
        line starting right to left (`bidi.directed`, also used for texts built in code)."""
        if not self.rtl:
            return text
        done = self._directed.get(text)
        if done is None:
            done = self._directed[text] = directed(text)
        return done

    def directed(self, text: str) -> str:
        """A text built in code, laid out for this reader (unchanged in left-to-right languages)."""
        return directed(text) if self.rtl else text

    def has(self, message: str) -> bool:
        """Whether this language's own catalog translates the message."""
        return self._has(message)

    def plural_messages(self) -> list[str]:
        """The source texts this language's catalog has plural forms of."""
        catalog = getattr(self._translations, "_catalog", None) or {}
        return sorted({key[0] for key in catalog if isinstance(key, tuple) and key[0]})

    def plural_form(self, n: int) -> int:
        """Which of the catalog's plural forms a number takes (its index)."""
        plural = getattr(self._translations, "plural", None)
        return int(plural(n)) if plural is not None else int(n != 1)

    def _has(self, message: str) -> bool:
        catalog = getattr(self._translations, "_catalog", None)
        return bool(catalog) and (message in catalog or (message, 0) in catalog)  # type: ignore[operator]

    def number(self, value: float) -> str:
        if type(value) is int and 0 <= value < SMALL_NUMBERS:  # "Question 3 of 12" on every screen
            written = self._counts.get(value)
            if written is None:
                written = self._counts[value] = self.decimal(value)
            return written
        return self.decimal(value)

    def decimal(self, value: float, pattern: str | None = None) -> str:
        """A number with the locale's separators, in the digits of the language's style sheet."""
        return self.style.write_digits(
            format_decimal(value, format=pattern, locale=self.locale, numbering_system="default"))

    def money(self, amount: Decimal) -> str:
        return self.style.write_digits(
            format_currency(amount, "EUR", locale=self.locale, numbering_system="default"))

    @cached_property
    def date_locale(self) -> Locale:
        """The locale dates are written in: the style sheet's `date_locale` (Levantine month
        names for Arabic), else the language's own."""
        return Locale.parse(self.style.date_locale) if self.style.date_locale else self.locale

    def date(self, value: date, length: Literal["medium", "full"] = "medium") -> str:
        """A date as the language writes it: Babel's pattern, or the style sheet's where Babel's
        reads wrong (Sorani year-first, Kurmanji "9 rbn, 2027")."""
        pattern = self.style.dates.get(length, length)
        return self.style.write_digits(format_date(value, format=pattern, locale=self.date_locale))

    @cached_property
    def _hours(self) -> str:
        """The clock's skeleton: the style sheet's, else the locale's own (Hm: 18:00, hm: 6:00 PM)."""
        if self.style.clock:
            return "Hm" if self.style.clock == 24 else "hm"
        return "hm" if "h" in str(self.locale.time_formats["short"].pattern) else "Hm"

    def time(self, value: datetime, tz: tzinfo) -> str:
        local = value.astimezone(tz)
        written = format_time(local, format="short", locale=self.locale) if self.style.clock is None else \
            format_skeleton(self._hours, local, locale=self.locale)
        return self.style.write_digits(written)

    def datetime(self, value: datetime, tz: tzinfo) -> str:
        """A date and a time of day, joined by the locale's own pattern (no seconds)."""
        local = value.astimezone(tz)
        return self._joined("medium", self.date(local.date()), self.time(local, tz))

    def when(self, start: dt.datetime, end: dt.datetime, tz: tzinfo) -> str:
        """A workshop's day and hours: the full date and the locale's interval of two times,
        joined by the locale's pattern; capitalised, as it starts a line."""
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        hours = self.style.write_digits(format_interval(local_start, local_end, self._hours, locale=self.locale))
        text = self._joined("full", self.date(local_start.date(), "full"), hours)
        return text[:1].upper() + text[1:]

    def _joined(self, length: str, day: str, hours: str) -> str:
        """CLDR's date-time glue ("{1}, {0}", "{1} 'um' {0}", "{1}، ساعت {0}"), quotes resolved."""
        glue = str(self.locale.datetime_formats.get(length) or "{1} {0}")
        glue = re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", glue)
        return glue.replace("{1}", day).replace("{0}", hours)

    def digits(self, text: str) -> str:
        """Text typed by staff (a round's name, a time in a title) in this language's digits."""
        return self.style.write_digits(text)

    @cached_property
    def arrows(self) -> Arrows:
        """Arrows that point the way this language reads (mirrored for right-to-left readers)."""
        return RIGHT_TO_LEFT if self.rtl else LEFT_TO_RIGHT

    def isolate(self, text: str) -> str:
        """Keep left-to-right names, numbers and addresses in order inside right-to-left text."""
        return f"{FSI}{text}{PDI}" if self.rtl else text


class Catalogs:
    """The compiled catalogs in a locales directory; a language is there when its .mo is."""

    def __init__(self, directory: Path | None = None, default: str = "de", domain: str = DOMAIN,
                 offered: Iterable[str] = ()) -> None:
        """`offered`: the languages users may choose (MSOBOT_LANGUAGES); empty for all."""
        self.directory = directory or default_locales_dir()
        self.default = default
        self.domain = domain
        self._offered = tuple(offered)
        self._translators: dict[str, Translator] = {}
        self._reported: set[tuple[str, str]] = set()

    @cached_property
    def languages(self) -> list[str]:
        found = {SOURCE_LANGUAGE, self.default}
        if self.directory.is_dir():
            for mo in self.directory.glob(f"*/LC_MESSAGES/{self.domain}.mo"):
                found.add(mo.parent.parent.name)
        known = [code for code in found if is_locale(code)]
        rank = {code: float(i) for i, code in enumerate(LIKELY_ORDER)}
        for code in known:  # a language its style sheet places beside another (Sorani by Kurmanji)
            near = self.style(code).near
            if code not in rank and near in rank:
                rank[code] = rank[near] + 0.5
        return sorted(known, key=lambda c: (rank.get(c, len(LIKELY_ORDER)), c))

    @cached_property
    def offered(self) -> list[str]:
        """The languages of the picker and of matching Telegram's language: those the office
        chose (reviewed ones), else all. Users who chose another earlier keep it."""
        if not self._offered:
            return self.languages
        return [code for code in self.languages if code in self._offered or code == self.default]

    def display_name(self, code: str) -> str:
        """As the language names itself: its style sheet's `name`, else Babel's."""
        name = self.style(code).name or Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]

    def style(self, code: str) -> LanguageStyle:
        return language_style(self.directory, code)

    def negotiate(self, language_code: str | None) -> str | None:
        """Match Telegram's IETF `language_code` (e.g. `pt-br`, `ar`) to a catalog."""
        if not language_code:
            return None
        try:
            wanted = Locale.parse(language_code.replace("_", "-"), sep="-").language
        except (ValueError, UnknownLocaleError):
            return None
        return wanted if wanted in self.offered else None

    def translator(self, code: str | None) -> Translator:
        code = code if code in self.languages else self.default
        assert code is not None
        if code not in self._translators:
            translations = self._load(code)
            fallback = None
            if code != self.default:
                fallback = self._load(self.default)
                if self.default != SOURCE_LANGUAGE:
                    fallback.add_fallback(_gettext.NullTranslations())
            self._translators[code] = Translator(code, translations, fallback, self)
        return self._translators[code]

    def _load(self, code: str) -> _gettext.NullTranslations:
        return Translations.load(str(self.directory), [code], self.domain)

    def report_missing(self, code: str, message: str) -> None:
        if (code, message) not in self._reported:
            self._reported.add((code, message))
            log.warning("missing %s translation, falling back: %r", code, message[:60])


@functools.cache
def right_to_left(code: str | None) -> bool:
    """Whether a language is written right to left (Arabic, Persian, Sorani)."""
    try:
        return Locale.parse(code).character_order == "right-to-left" if code else False
    except (ValueError, UnknownLocaleError):
        return False


def is_locale(code: str) -> bool:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True
