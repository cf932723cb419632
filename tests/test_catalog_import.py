"""`msobot catalog import|list`: bad rows named by file, row and field; nothing half-imported;
a second import updates instead of duplicating; CSV as spreadsheets save it; the sample ships."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.catalog.importer import SAMPLE, CatalogFileError, read_catalog, vocabulary
from bot.questionnaire import load
from tests.test_cli import msobot

TZ = ZoneInfo("Europe/Berlin")
VOCABULARY = vocabulary(load())

GOOD = """\
partners:
  - id: vhs
    name: Bergische VHS
    kind: vhs
    topics: [digital, pr]
    languages: [de, en]
    district: elberfeld
    contact: {email: vhs@example.org}
workshops:
  - id: pr-1
    title: {de: Pressearbeit, tr: Basın çalışması}
    topics: [pr]
    languages: [de, tr]
    start: 2030-03-02 10:00
    end: 2030-03-02 13:00
    online: true
    provider: vhs
    registration: {link: "https://example.org/pr-1"}
"""


def test_every_bad_row_is_named_by_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "angebote.yaml"
    path.write_text(GOOD + """\
  - id: bad-1
    title: {en: Only English}
    topics: [pr]
    languages: [de]
    start: 2030-03-05 18:00
    end: 2030-03-05 20:00
    provider: vhs
    online: true
    registration: {email: not-an-address}
  - id: bad-2
    title: {de: Kochen}
    topics: [cooking]
    languages: [de]
    start: 2030-03-05 18:00
    end: 2030-03-05 20:00
    district: wichlinghausen
    address: Werth 1
    provider: vhs
    registration: {link: "https://example.org"}
  - id: bad-3
    title: {de: Zu spät}
    topics: [pr]
    languages: [de]
    start: 2030-03-05 18:00
    end: 2030-03-05 17:00
    provider: nobody
    online: true
    registration: {link: "https://example.org"}
""", encoding="utf-8")
    with pytest.raises(CatalogFileError) as caught:
        read_catalog(path, VOCABULARY, TZ)
    lines = str(caught.value).splitlines()

    def problem(row: int, entry: str, field: str | None, fragment: str) -> bool:
        where = f"{path}: workshops row {row} (id '{entry}')" + (f", field '{field}'" if field else "")
        return any(line.startswith(where + ": ") and fragment in line for line in lines)

    assert problem(2, "bad-1", "title", "German"), lines
    assert problem(2, "bad-1", "registration.email", "not a valid email address"), lines
    assert problem(3, "bad-2", "topics", "unknown topic 'cooking'"), lines
    assert problem(3, "bad-2", "district", "unknown district 'wichlinghausen'"), lines
    assert problem(4, "bad-3", None, "end must be after start"), lines
    assert len(lines) == 5, lines
    assert not any("pr-1" in line for line in lines)  # the good rows are not blamed


def test_csv_with_semicolons_as_german_spreadsheets_save_it(tmp_path: Path) -> None:
    path = tmp_path / "workshops.csv"
    path.write_text(
        "id;title_de;title_ar;topics;languages;start;end;address;district;provider;capacity;registration_phone;cost\n"
        "kasse-ar;Kassenbuch;دفتر الصندوق;bookkeeping;ar, de;2030-04-06 10:00;2030-04-06 12:30;Werth 1;barmen;"
        "vhs;15;+49 202 563 0;0\n", encoding="utf-8")
    parsed = read_catalog(path, VOCABULARY, TZ, known_partners={"vhs"})
    [workshop] = parsed.workshops
    assert workshop.text("title", "ar") == "دفتر الصندوق" and workshop.text("title", "tr") == "Kassenbuch"
    assert workshop.languages == ["ar", "de"] and workshop.capacity == 15
    assert workshop.start == datetime(2030, 4, 6, 10, 0, tzinfo=TZ)
    assert workshop.registration.phone == "+49 202 563 0"


def test_import_is_all_or_nothing_and_idempotent(tmp_path: Path) -> None:
    env = {"MSOBOT_DATABASE": str(tmp_path / "db.sqlite3")}
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD.replace("provider: vhs", "provider: vhs-typo"), encoding="utf-8")

    refused = msobot("catalog", "import", str(broken), **env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"{broken}: workshops row 1 (id 'pr-1'), field 'provider': unknown partner 'vhs-typo'" in refused.stderr
    first = msobot("catalog", "import", str(good), **env)
    assert first.returncode == 0, first.stderr
    assert "partners: 1 added, 0 updated, 0 unchanged" in first.stdout
    assert "workshops: 1 added, 0 updated, 0 unchanged" in first.stdout
    good.write_text(GOOD.replace("13:00", "14:00"), encoding="utf-8")
    second = msobot("catalog", "import", str(good), **env)
    assert "partners: 0 added, 0 updated, 1 unchanged" in second.stdout
    assert "workshops: 0 added, 1 updated, 0 unchanged" in second.stdout
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM workshops").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM partners").fetchone() == (1,)
    listing = msobot("catalog", "list", **env)
    assert "pr-1" in listing.stdout and "2030-03-02 10:00" in listing.stdout and "[sample]" not in listing.stdout


def test_the_sample_catalog_imports_and_is_marked_as_sample(tmp_path: Path) -> None:
    env = {"MSOBOT_DATABASE": str(tmp_path / "db.sqlite3")}
    assert read_catalog(SAMPLE, VOCABULARY, TZ).sample
    result = msobot("catalog", "import", "--sample", **env)
    assert result.returncode == 0, result.stderr
    assert "SAMPLE DATA" in result.stdout
    listing = msobot("catalog", "list", **env).stdout
    assert listing.count("[sample]") >= 20
