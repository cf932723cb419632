"""Every catalog is complete, consistent with its source and compiled from its current .po."""

from __future__ import annotations

import gettext
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from bot.kernel.i18n import FSI, PDI, Catalogs, default_locales_dir

LOCALES = default_locales_dir()
LANGUAGES = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_the_languages_of_the_first_release_are_there() -> None:
    assert {"de", "en", "tr", "ar"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_consistent(language: str) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    assert {m.id for m in catalog if m.id} == {m.id for m in template if m.id}, "run `make catalogs`"
    expected_forms = Locale.parse(language).plural_form and catalog.num_plurals
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        problems += _translation_problems(message, _single_number_forms(catalog))
        if isinstance(message.id, tuple) and len(strings) != expected_forms:
            problems.append(f"{len(strings)} plural forms, {language} has {expected_forms}: {ids[0]!r}")
        problems += [f"{ids[0]!r}: {error}" for _m, error in [(message, e) for e in message.check(catalog)]]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_po(language: str) -> None:
    folder = LOCALES / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    expected = BytesIO()
    write_mo(expected, catalog)
    expected.seek(0)
    with (folder / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    fresh = read_mo(expected)
    assert _entries(compiled) == _entries(fresh), "stale .mo: run `make compile`"


def _single_number_forms(catalog: object) -> set[int]:
    """Plural forms used for one number only (Arabic's zero, one and two; English's one): they
    may say "one question" instead of "1 question" and leave out `{count}`."""
    choose = gettext.c2py(catalog.plural_expr)  # type: ignore[attr-defined]
    numbers: dict[int, set[int]] = {}
    for n in range(1000):
        numbers.setdefault(choose(n), set()).add(n)
    return {form for form, ns in numbers.items() if len(ns) == 1}


def _translation_problems(message: Message, single: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Untranslated, fuzzy, or with placeholders other than the source's."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    problems = [f"untranslated or fuzzy: {ids[0]!r}"] if message.fuzzy or not all(strings) else []
    wanted = set(PLACEHOLDER.findall(ids[-1]))
    for form, string in enumerate(strings):
        found = set(PLACEHOLDER.findall(string))
        if found != wanted and not (isinstance(message.id, tuple) and form in single
                                    and found == wanted - {"count"}):
            problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    return problems


def _entries(catalog: object) -> dict[object, object]:
    def key(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value
    return {key(m.id): key(m.string) for m in catalog if m.id}  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
def test_plurals_follow_the_locale_rule(language: str) -> None:
    t = Catalogs().translator(language)
    one = t.ngettext("You have answered {count} question so far.",
                     "You have answered {count} questions so far.", 1)
    many = t.ngettext("You have answered {count} question so far.",
                      "You have answered {count} questions so far.", 7)
    assert "{count}" in many
    # A form for the number 1 alone may spell it out ("سؤال واحد"); one shared with 21 may not.
    catalog = _po(language)
    assert "{count}" in one or gettext.c2py(catalog.plural_expr)(1) in _single_number_forms(catalog)  # type: ignore[attr-defined]
    if language == "en":
        assert (one, many) == ("You have answered {count} question so far.",
                               "You have answered {count} questions so far.")


def _po(language: str) -> object:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_forms_for_a_single_number_may_spell_it_out() -> None:
    assert _single_number_forms(_po("ar")) == {0, 1, 2}  # zero, one, two
    assert _single_number_forms(_po("ru")) == set()  # "one" is also 21, 31 ...
    assert _single_number_forms(_po("en")) == {0}  # "one": 1 only


def test_arabic_uses_distinct_plural_forms() -> None:
    t = Catalogs().translator("ar")
    forms = {t.ngettext("Please choose at least {count} answer.",
                        "Please choose at least {count} answers.", n) for n in (1, 2, 3, 11, 100)}
    assert len(forms) >= 3


def test_right_to_left_texts_isolate_left_to_right_values() -> None:
    catalogs = Catalogs()
    assert catalogs.translator("ar").isolate("Verein e.V.") == f"{FSI}Verein e.V.{PDI}"
    assert catalogs.translator("de").isolate("Verein e.V.") == "Verein e.V."


def test_language_codes_from_telegram_are_matched() -> None:
    catalogs = Catalogs()
    assert catalogs.negotiate("tr") == "tr"
    assert catalogs.negotiate("ar-EG") == "ar"
    assert catalogs.negotiate("de_AT") == "de"
    assert catalogs.negotiate("pt-br") is None
    assert catalogs.negotiate("") is None
    assert catalogs.negotiate("!!") is None


def test_picker_names_are_in_their_own_script_with_likely_languages_first() -> None:
    catalogs = Catalogs()
    names = [catalogs.display_name(code) for code in catalogs.languages]
    assert names[:3] == ["Deutsch", "Türkçe", "العربية"]
    assert "English" in names


def test_a_missing_translation_falls_back_to_german_and_is_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import shutil
    for language in ("de", "tr"):
        shutil.copytree(LOCALES / language, tmp_path / language)
    with (LOCALES / "tr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="tr")
    del catalog["Privacy notice"]
    with (tmp_path / "tr" / "LC_MESSAGES" / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    t = Catalogs(tmp_path).translator("tr")
    german = Catalogs(tmp_path).translator("de").gettext("Privacy notice")
    assert t.gettext("Privacy notice") == german != "Privacy notice"
    t.gettext("Privacy notice")
    assert len([r for r in caplog.records if "missing tr translation" in r.getMessage()]) == 1


def test_a_new_language_is_picked_up_without_code_changes(tmp_path: Path) -> None:
    import shutil
    shutil.copytree(LOCALES, tmp_path, dirs_exist_ok=True)
    folder = tmp_path / "es" / "LC_MESSAGES"  # a fifteenth language
    folder.mkdir(parents=True)
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = read_po(handle, locale="es")
    template["Privacy notice"].string = "Aviso de privacidad"
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, template)
    catalogs = Catalogs(tmp_path)
    assert "es" in catalogs.languages
    assert catalogs.display_name("es") == "Español"
    assert catalogs.translator("es").gettext("Privacy notice") == "Aviso de privacidad"


def test_dates_are_local_to_the_user_and_the_office_time_zone() -> None:
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    from bot.questionnaire import load
    from bot.questionnaire.engine import Engine
    from bot.storage import Submission
    from bot.survey.screens import Screens

    catalogs = Catalogs()
    late_evening = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # already 3 November in Wuppertal
    submission = Submission(id=1, user_id=1, organisation_id=1, questionnaire_id="q", questionnaire_version="1",
                            started_at=late_evening, completed_at=None, cursor=None)
    for language in ("tr", "ar", "de"):
        t = catalogs.translator(language)
        text = Screens(t, Engine(load()), catalogs).welcome_back(submission, 3, ZoneInfo("Europe/Berlin")).text
        expected = format_date(date(2026, 11, 3), format="medium", locale=language)
        assert t.isolate(expected) in text
        assert t.number(3) in text
    assert "Kas" in Catalogs().translator("tr").date(date(2026, 11, 3))


STAFF_LANGUAGES = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "staff.po").exists())


@pytest.mark.parametrize("language", STAFF_LANGUAGES)
def test_staff_catalog_is_complete_and_compiled(language: str) -> None:
    """The staff side (digest, staff commands) speaks German and English, from its own domain."""
    folder = LOCALES / language / "LC_MESSAGES"
    with (folder / "staff.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    with (LOCALES / "staff.pot").open("rb") as handle:
        template = read_po(handle)
    assert {m.id for m in catalog if m.id} == {m.id for m in template if m.id}, "run `make catalogs`"
    problems = [p for message in catalog if message.id for p in _translation_problems(message)]
    assert not problems, "\n".join(problems)
    expected = BytesIO()
    write_mo(expected, catalog)
    expected.seek(0)
    with (folder / "staff.mo").open("rb") as handle:
        assert _entries(read_mo(handle)) == _entries(read_mo(expected)), "stale .mo: run `make compile`"


def test_the_staff_side_is_german_unless_configured() -> None:
    assert set(STAFF_LANGUAGES) >= {"de", "en"}
    staff = Catalogs(domain="staff")
    assert staff.translator("de").gettext("This week") == "Diese Woche"
    assert staff.translator("tr").gettext("This week") == "Diese Woche"  # no Turkish staff catalog: German
