"""What the code formats for a reader, in the reader's own way (issue 30): dates and times by
the language's pattern (Sorani day-month-year, Kurmanji recognisable, no comma the code adds),
arrows that point the way the text reads, language names as the catalogs write them, staff's
digits in the reader's digits, and staff's German titles marked as German; the calendar file
in the reader's language."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.catalog.model import Partner, Workshop
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import load_settings
from bot.partners.screens import title_of
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import staff_voice
from bot.suggestions.calendar import calendar_file
from bot.suggestions.screens import SuggestionScreens

TZ = ZoneInfo("Europe/Berlin")
CATALOGS = Catalogs()
ENGINE = Engine(load())
START = datetime(2027, 2, 3, 18, 0, tzinfo=TZ)


def screens(code: str) -> SuggestionScreens:
    return SuggestionScreens(CATALOGS.translator(code), ENGINE, TZ)


def workshop(**extra: object) -> Workshop:
    data: dict[str, object] = {
        "id": "w1", "title": {"de": "Kassenbuch ab 18 Uhr", "fa": "دفتر صندوق از ساعت 18"},
        "description": {"de": "Beispiel."}, "topics": ["bookkeeping"], "languages": ["ar", "tr", "ro"],
        "start": START, "end": START + timedelta(hours=2), "address": "Neumarkt 10", "district": "elberfeld",
        "registration": {"email": "kurs@example.org"}, "provider": "p"}
    data.update(extra)
    return Workshop.model_validate(data)


def test_dates_follow_each_languages_own_pattern() -> None:
    ckb, ku, ar, tr = (CATALOGS.translator(c) for c in ("ckb", "ku", "ar", "tr"))
    assert ckb.date(date(2027, 1, 9)) == "٩ی کانوونی دووەمی ٢٠٢٧"  # day, month, year (Babel: year first)
    assert ckb.when(START, START + timedelta(hours=2), TZ) == "چوارشەممە ٣ی شوباتی ٢٠٢٧ ١٨:٠٠–٢٠:٠٠"
    assert ku.date(date(2027, 1, 9)) == "09.01.2027"  # Babel: "9 rbn, 2027"
    assert "شباط" in ar.date(date(2027, 2, 3), "full")  # the month as Syria and Iraq name it
    # The locale's own glue between day and hours: Turkish has no comma there, Persian says ساعت.
    assert tr.when(START, START + timedelta(hours=2), TZ) == "3 Şubat 2027 Çarşamba 18:00–20:00"
    assert "ساعت" in CATALOGS.translator("fa").when(START, START + timedelta(hours=2), TZ)
    assert CATALOGS.translator("de").datetime(START, TZ) == "03.02.2027, 18:00"  # no seconds


def test_arrows_point_the_way_the_text_reads() -> None:
    ar, de = CATALOGS.translator("ar"), CATALOGS.translator("de")
    assert (ar.arrows.step, ar.arrows.back, ar.arrows.forward, ar.arrows.skip) == ("←", "▶", "◀", "⏮")
    assert (de.arrows.step, de.arrows.back, de.arrows.forward, de.arrows.skip) == ("→", "◀", "▶", "⏭")


def test_language_names_come_from_the_catalogs() -> None:
    assert screens("ku").language("ar") == CATALOGS.translator("ku").gettext("Arabic") == "Erebî"
    assert screens("fa").language("tr") == "ترکی"  # as the questionnaire says it (Babel: «ترکی استانبولی»)
    assert screens("de").language("ro") == "Rumänisch"  # not in the questionnaire: the catalog's own word


def test_staff_titles_in_the_readers_language_and_digits_or_marked_german() -> None:
    fa, tr, de = screens("fa").workshop_text(workshop(), None), screens("tr").workshop_text(workshop(), None), \
        screens("de").workshop_text(workshop(), None)
    assert "دفتر صندوق از ساعت ۱۸" in fa and "18" not in fa.split("\n")[0]
    assert "Kassenbuch ab 18 Uhr\u2069 (Almanca)" in tr and "Beispiel.\u2069 (Almanca)" in tr
    assert "(auf Deutsch)" not in de and "Kassenbuch ab 18 Uhr" in de


def test_the_calendar_file_speaks_the_readers_language() -> None:
    online = workshop(online=True, address=None, district=None)
    event = Calendar.from_ical(calendar_file(screens("tr"), online, None, START).content).walk("VEVENT")[0]
    assert str(event["location"]) == "Çevrimiçi"
    assert str(event["summary"]) == "Kassenbuch ab 18 Uhr (Almanca)"
    assert not any(ch in str(event["description"]) for ch in "\u2066\u2067\u2068\u2069\u200f")
    partner = Partner.model_validate({"id": "p", "name": "P", "kind": "volunteering", "topics": ["pr"],
                                      "languages": ["de"], "contact": {"email": "p@example.org"}})
    assert "Волонтёрский центр" in screens("ru").partner_text(partner)


def test_a_partner_contact_reading_english_is_told_a_title_is_german() -> None:
    settings = load_settings()
    english, german = staff_voice(settings, ENGINE, "en"), staff_voice(settings, ENGINE, "de")
    assert title_of(english, workshop()) == "\u2068Kassenbuch ab 18 Uhr\u2069 (in German)"
    assert title_of(german, workshop()) == "\u2068Kassenbuch ab 18 Uhr\u2069"
    translated = workshop(title={"de": "Kassenbuch", "en": "Cash book"})
    assert title_of(english, translated) == "\u2068Cash book\u2069"
