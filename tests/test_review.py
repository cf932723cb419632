"""A review workflow a city can run (issue 18): the gallery of every screen in every language,
the review stamped into the catalogs and what changed since, and offering only the languages
the office had reviewed."""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from html import escape as escaped
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po, write_po

from bot.cli import main
from bot.kernel.actions import Kind, parse
from bot.kernel.i18n import Catalogs, default_locales_dir
from bot.kernel.outcome import Button, Screen
from bot.kernel.settings import ConfigError, load_settings
from bot.review import html
from bot.review.desk_scenes import page_text
from bot.review.gallery import KINDS, Shown
from bot.review.status import stamped, status
from bot.services import load_domain, open_services
from bot.survey.turns import Visitor

LANGUAGES = Catalogs().languages
WELCOME = "Welcome to MSO Assistant of the City of Wuppertal's integration office."
KIND = re.compile(r'<section[^>]* data-kind="([a-z_]+)"')


def run(argv: list[str]) -> int:
    """`msobot` in this process; the logging it sets up is put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return main(argv)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`msobot screens --output DIR`, once for every language."""
    folder = tmp_path_factory.mktemp("gallery")
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("MSOBOT_")]:
            patch.delenv(name)
        patch.chdir(folder)
        assert run(["screens", "--output", str(folder / "site")]) == 0
    yield folder / "site"


def right_to_left(code: str) -> bool:
    return Locale.parse(code).character_order == "right-to-left"


def test_the_gallery_has_a_page_with_every_kind_of_screen_for_every_language(gallery: Path) -> None:
    assert {"de", "en", "tr", "ar", "fa"} <= set(LANGUAGES)
    for code in LANGUAGES:
        page = (gallery / f"{code}.html").read_text(encoding="utf-8")
        missing = set(KINDS) - set(KIND.findall(page))
        assert not missing, f"{code}: no {sorted(missing)}"
        assert page.count("<section") >= 80, code  # every question and everything around them
    index = (gallery / "index.html").read_text(encoding="utf-8")
    for code in LANGUAGES:
        assert f'href="{code}.html"' in index, code
    offices = ["office-de", "office-en"]
    assert sorted(p.stem for p in gallery.glob("*.html")) == sorted([*LANGUAGES, *offices, "index"])
    assert all(f'href="{office}.html"' in index for office in offices)
    assert "translations review --catalog staff" in index  # the office pages' review status, beside the users'


def test_the_office_pages_show_what_partner_contacts_and_staff_read(gallery: Path) -> None:
    """In German and English: a contact joining, a contact request with its buttons, /needs, and
    the staff's commands."""
    for code in ("de", "en"):
        page = (gallery / f"office-{code}.html").read_text(encoding="utf-8")
        assert {"partner", "staff", "web", "document"} <= set(KIND.findall(page)), code
        staff = Catalogs(domain="staff").translator(code)
        for text in ("We will get in touch", "Not our field", "Statistics", "Partner organisations and their contacts"):
            assert escaped(staff.gettext(text)) in page, (code, text)


def test_each_page_runs_in_its_languages_direction(gallery: Path) -> None:
    assert right_to_left("ar") and right_to_left("fa") and not right_to_left("de")
    for code in LANGUAGES:
        page = (gallery / f"{code}.html").read_text(encoding="utf-8")
        direction = "rtl" if right_to_left(code) else "ltr"
        assert f'<html lang="{code}" dir="{direction}">' in page, code
        # As the bot sends them: a language's own name on the picker is a left-to-right text of
        # its own, untouched even for right-to-left readers (bot.kernel.bidi).
        assert '<span class="button">Deutsch</span>' in page, code


def test_every_question_of_the_questionnaire_is_in_the_gallery(gallery: Path) -> None:
    questionnaire, _engine, _catalogs = load_domain(load_settings())
    page = (gallery / "de.html").read_text(encoding="utf-8")
    german = Catalogs().translator("de")
    for _section, question in questionnaire.questions():
        assert f"{question.id} ({question.type.value})</p>" in page
        assert escaped(german.gettext(question.text)) in page, question.id


def test_a_web_view_page_is_kept_as_the_text_a_browser_shows() -> None:
    """The office pages show the web view as text: what a reader sees, labels of controls in
    brackets, table cells side by side; no styles, no hidden fields."""
    page = ('<html><head><title>T</title><style>p{color:red}</style></head><body><nav aria-label="Main">'
            '<a href="/">Overview</a></nav><table><tr><th>A</th><td>1</td></tr></table><form>'
            '<input type="submit" value="Go"><input type="hidden" name="csrf" value="secret"></form></body></html>')
    assert page_text(page).splitlines() == ["T", "[Main] Overview", "A | 1", "[Go]"]


def test_text_and_buttons_are_escaped() -> None:
    screen = Screen(text='<script>alert("x")</script> & more',
                    buttons=[[Button(label="<b>Yes</b>", action="A:1:q:y", role=Kind.ANSWER)]])
    page = html.page("de", "Deutsch", False, [Shown("question", "<i>title</i>", screen)])
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "&lt;b&gt;Yes&lt;/b&gt;" in page


# -- the review status -------------------------------------------------------------------------


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the catalogs, which the commands read through MSOBOT_LOCALES_DIR."""
    copy = tmp_path / "locales"
    shutil.copytree(default_locales_dir(), copy)
    monkeypatch.setenv("MSOBOT_LOCALES_DIR", str(copy))
    return copy


def row(output: str, code: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{code}  "))


def test_a_review_is_stamped_and_a_changed_translation_counts_as_changed(
        locales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    po = locales / "tr" / "LC_MESSAGES" / "messages.po"
    before = po.read_text(encoding="utf-8")
    assert run(["translations", "review", "--language", "tr", "--reviewer", "Ayşe Yılmaz", "--on", "2026-12-01"]) == 0
    assert capsys.readouterr().out.startswith("tr: reviewed by Ayşe Yılmaz on 2026-12-01: ")
    assert run(["translations"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["language", "entries", "translated", "reviewed", "on", "reviewer",
                                             "changed", "since", "review"]
    review = status(po, "tr")
    untranslated = review.entries - review.translated  # none in a finished catalog: they count as changed
    assert row(table, "tr").split()[-7:] == [
        str(review.entries), str(review.translated), "2026-12-01", "Ayşe", "Yılmaz", str(untranslated), "changed"]
    assert row(table, "de").split()[-3:] == ["never", "–", "–"]

    # Stamping adds comments and nothing else: no entry moved, rewrapped or changed.
    after = po.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line.startswith(("# reviewed ", "# Reviewed-"))]
    assert [line for line in after.splitlines() if line not in added] == before.splitlines()
    assert len(added) == status(po, "tr").translated + 2

    with po.open("rb") as handle:
        catalog = read_po(handle, locale="tr")
    message = next(m for m in catalog if m.id and isinstance(m.string, str) and m.string)
    message.string += " (yeni)"
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)
    assert run(["translations"]) == 0
    assert row(capsys.readouterr().out, "tr").split()[-4:] == ["Ayşe", "Yılmaz", str(untranslated + 1), "changed"]


def test_a_review_survives_make_catalogs(locales: Path) -> None:
    """What `pybabel update` does to a catalog keeps who reviewed it and the fingerprints."""
    po = locales / "ar" / "LC_MESSAGES" / "messages.po"
    assert run(["translations", "review", "--language", "ar", "--reviewer", "Omar", "--on", "2026-12-02"]) == 0
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    reviewed = {(m.id if isinstance(m.id, str) else m.id[0], str(m.string)) for m in catalog if m.id and stamped(m)}
    assert reviewed
    with (locales / "messages.pot").open("rb") as handle:
        catalog.update(read_po(handle))
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0, ignore_obsolete=True)
    review = status(po, "ar")
    assert (review.reviewer, str(review.reviewed_on)) == ("Omar", "2026-12-02")
    with po.open("rb") as handle:
        after = [m for m in read_po(handle, locale="ar") if m.id]
    same = [m for m in after if (m.id if isinstance(m.id, str) else m.id[0], str(m.string)) in reviewed]
    assert len(same) == len(reviewed) and all(stamped(m) for m in same)


# -- offering only reviewed languages ----------------------------------------------------------


def picker_codes(screen: Screen) -> list[str]:
    actions = [parse(b.action) for row in screen.buttons for b in row]
    return [a.value or "" for a in actions if a is not None]


async def test_msobot_languages_restricts_the_picker_and_the_match_to_telegram(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSOBOT_DATABASE", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("MSOBOT_LANGUAGES", "tr, ar")
    services = await open_services(load_settings())
    try:
        survey = services.survey
        picker = (await survey.start(Visitor(1, "ar"))).messages[0]
        assert picker_codes(picker) == ["de", "tr", "ar"]  # one fixed order, German always
        assert picker.text.startswith(Catalogs().translator("ar").gettext(WELCOME))
        russian = (await survey.start(Visitor(2, "ru"))).messages[0]  # not offered: German
        assert russian.text.startswith(Catalogs().translator("de").gettext(WELCOME))
        refused = await survey.press(Visitor(2, "ru"), "L:ru")
        assert refused.toast and not refused.messages and await survey.language_of(Visitor(3, "ru")) == "de"
    finally:
        await services.close()
    monkeypatch.delenv("MSOBOT_LANGUAGES")
    services = await open_services(load_settings())
    try:
        russian = (await services.survey.start(Visitor(4, "ru"))).messages[0]  # offered now: in Russian
        assert russian.text.startswith(Catalogs().translator("ru").gettext(WELCOME))
        assert picker_codes(russian) == Catalogs().offered  # the same fixed order for everyone
        assert len(picker_codes((await services.survey.start(Visitor(5, "ru"))).messages[0])) == len(LANGUAGES)
    finally:
        await services.close()


def test_msobot_languages_names_a_code_without_a_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSOBOT_LANGUAGES", "de,xx")
    with pytest.raises(ConfigError, match="MSOBOT_LANGUAGES: no catalog for xx"):
        load_domain(load_settings())
    monkeypatch.setenv("MSOBOT_LANGUAGES", "de;tr")
    with pytest.raises(ConfigError, match="MSOBOT_LANGUAGES: expected comma-separated language codes"):
        load_settings()


def test_the_staff_catalogs_join_the_review(locales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`msobot translations` lists the office's catalogs below the users' ones; a review of one
    is stamped into its staff.po, and a translation changed since counts as changed."""
    po = locales / "de" / "LC_MESSAGES" / "staff.po"
    assert run(["translations", "review", "--language", "de", "--catalog", "staff", "--reviewer", "Eva Roth",
                "--on", "2026-12-05"]) == 0
    assert capsys.readouterr().out.startswith("de: reviewed by Eva Roth on 2026-12-05: ")
    assert run(["translations"]) == 0
    users, staff = capsys.readouterr().out.split("Staff and partner contacts")
    assert row(users, "de").split()[-3:] == ["never", "–", "–"]  # the users' German catalog: not reviewed
    assert row(staff, "de").split()[-5:] == ["2026-12-05", "Eva", "Roth", "0", "changed"]
    assert row(staff, "en").split()[-3:] == ["never", "–", "–"]
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    message = next(m for m in catalog if m.id and isinstance(m.string, str) and m.string)
    message.string += " (neu)"
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)
    assert run(["translations"]) == 0
    assert row(capsys.readouterr().out.split("Staff and partner contacts")[1], "de").split()[-2:] == ["1", "changed"]
    assert run(["translations", "review", "--language", "tr", "--catalog", "staff", "--reviewer", "X"]) == 2
