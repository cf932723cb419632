"""Read catalog files (YAML or CSV), validate every row, and report problems by file, row and field.

A file is imported whole or not at all: one bad row stops the import and every problem is
listed, so staff fix the file in one go. Ids are stable, so importing again updates entries
instead of adding duplicates.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.catalog.model import Partner, Workshop
from bot.kernel.i18n import is_locale
from bot.questionnaire.loader import YamlLoader
from bot.questionnaire.model import Questionnaire

SAMPLE = Path(__file__).with_name("sample_wuppertal.yaml")  # the shipped Wuppertal sample


@dataclass(frozen=True)
class Vocabulary:
    """The ids catalog entries may use, taken from the questionnaire."""

    topics: frozenset[str]
    districts: frozenset[str]


@dataclass(frozen=True)
class Problem:
    file: str
    row: str  # "workshops row 3" (YAML) or "row 3" (CSV line)
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.row + (f" (id '{self.entry}')" if self.entry else "")
        if self.field:
            where += f", field '{self.field}'"
        return f"{self.file}: {where}: {self.message}"


@dataclass
class Parsed:
    partners: list[Partner] = field(default_factory=list)
    workshops: list[Workshop] = field(default_factory=list)
    sample: bool = False
    problems: list[Problem] = field(default_factory=list)
    rows: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, id) -> where


class CatalogFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_catalog(path: Path, vocabulary: Vocabulary, tz: tzinfo,
                 known_partners: set[str] | None = None) -> Parsed:
    """Parse and check one file; raise CatalogFileError listing every problem."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError([Problem(name, "file", None, None, f"cannot read it ({exc})")]) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        rows, parsed = _yaml_rows(name, text)
    elif path.suffix.lower() == ".csv":
        rows, parsed = _csv_rows(name, text)
    else:
        raise CatalogFileError([Problem(name, "file", None, None, "expected a .yaml, .yml or .csv file")])
    for kind, where, data in rows:
        model: type[BaseModel] = Partner if kind == "partners" else Workshop
        entry = data.get("id") if isinstance(data, dict) else None
        try:
            item: Partner | Workshop = model.model_validate(data, context={"tz": tz})  # type: ignore[assignment]
        except ValidationError as exc:
            for error in exc.errors():
                loc = ".".join(str(p) for p in error["loc"]) or None
                message = str(error["msg"]).removeprefix("Value error, ")
                parsed.problems.append(Problem(name, where, _text(entry), loc, message))
            continue
        if item.id in {i.id for i in (parsed.partners if kind == "partners" else parsed.workshops)}:
            parsed.problems.append(Problem(name, where, item.id, "id", "the same id appears earlier in this file"))
        parsed.rows[(kind, item.id)] = where
        if isinstance(item, Partner):
            parsed.partners.append(item)
        else:
            assert isinstance(item, Workshop)
            parsed.workshops.append(item)
        parsed.problems += [Problem(name, where, _text(entry), f, m)
                            for f, m in _vocabulary_problems(item, vocabulary)]
    parsed.problems += _reference_problems(name, parsed, known_partners or set())
    if parsed.problems:
        raise CatalogFileError(parsed.problems)
    return parsed


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


Row = tuple[str, str, Any]  # kind, where, data


def _yaml_rows(name: str, text: str) -> tuple[list[Row], Parsed]:
    try:
        document = yaml.load(text, Loader=YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "file"
        raise CatalogFileError([Problem(name, line, None, None, f"not valid YAML ({exc})")]) from None
    if not isinstance(document, dict) or not set(document) <= {"sample", "partners", "workshops"}:
        raise CatalogFileError([Problem(name, "file", None, None,
                                        "expected 'partners:' and/or 'workshops:' lists (and 'sample:')")])
    parsed = Parsed(sample=bool(document.get("sample", False)))
    rows: list[Row] = []
    for kind in ("partners", "workshops"):
        entries = document.get(kind) or []
        if not isinstance(entries, list):
            parsed.problems.append(Problem(name, kind, None, None, "expected a list of entries"))
            continue
        rows += [(kind, f"{kind} row {i}", data) for i, data in enumerate(entries, start=1)]
    return rows, parsed


_LIST_FIELDS = {"topics", "languages"}
_GROUPS = {"registration_": "registration", "contact_": "contact"}
_LOCALIZED = re.compile(r"^(title|description)_([a-z]{2,3})$")


def _csv_rows(name: str, text: str) -> tuple[list[Row], Parsed]:
    """One CSV file holds one kind: workshops (a `start` column) or partners (a `kind` column)."""
    reader = csv.DictReader(text.splitlines(), dialect=_dialect(text))
    header = set(reader.fieldnames or [])
    if "start" in header:
        kind = "workshops"
    elif "kind" in header:
        kind = "partners"
    else:
        raise CatalogFileError([Problem(name, "row 1", None, None,
                                        "header needs a 'start' column (workshops) or a 'kind' column (partners)")])
    rows: list[Row] = []
    for number, record in enumerate(reader, start=2):
        data: dict[str, Any] = {}
        for column, raw in record.items():
            if column is None:
                rows.append((kind, f"row {number}", {"__extra__": raw}))
                break
            value = (raw or "").strip()
            if not value:
                continue
            if column in _LIST_FIELDS:
                data[column] = [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
            elif match := _LOCALIZED.match(column):
                data.setdefault(match[1], {})[match[2]] = value
            elif prefix := next((p for p in _GROUPS if column.startswith(p)), None):
                data.setdefault(_GROUPS[prefix], {})[column.removeprefix(prefix)] = value
            elif column == "online":
                data[column] = value.lower() in ("1", "yes", "true", "ja", "x")
            else:
                data[column] = value
        else:
            rows.append((kind, f"row {number}", data))
    return rows, Parsed()


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Spreadsheets in Germany often save CSV with semicolons."""
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _vocabulary_problems(item: Partner | Workshop, vocabulary: Vocabulary) -> list[tuple[str, str]]:
    found = [("topics", f"unknown topic '{t}' (known: {', '.join(sorted(vocabulary.topics))})")
             for t in item.topics if t not in vocabulary.topics]
    found += [("languages", f"unknown language code '{c}'") for c in item.languages if not is_locale(c)]
    if item.district is not None and item.district not in vocabulary.districts:
        found.append(("district", f"unknown district '{item.district}' "
                                  f"(known: {', '.join(sorted(vocabulary.districts))})"))
    return found


def _reference_problems(name: str, parsed: Parsed, known_partners: set[str]) -> list[Problem]:
    found: list[Problem] = []
    partners = known_partners | {p.id for p in parsed.partners}
    for workshop in parsed.workshops:
        if workshop.provider not in partners:
            found.append(Problem(name, parsed.rows[("workshops", workshop.id)], workshop.id, "provider",
                                 f"unknown partner '{workshop.provider}' (add it under partners first)"))
    return found


def vocabulary(questionnaire: Questionnaire) -> Vocabulary:
    matching = questionnaire.matching
    if matching is None:
        return Vocabulary(frozenset(), frozenset())
    topics = frozenset(o.id for o in questionnaire.option_sets.get(matching.topics, []))
    district = next((q for _s, q in questionnaire.questions() if q.id == matching.district), None)
    districts = frozenset(o.id for o in questionnaire.choices(district)) if district else frozenset()
    return Vocabulary(topics, districts)
