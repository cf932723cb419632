"""Every catalog follows the glossary (`locales/glossary.yaml`) and has a style sheet."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.kernel.i18n import default_locales_dir
from bot.kernel.style import front_matter, language_style

LOCALES = default_locales_dir()
LANGUAGES = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())
GLOSSARY: dict[str, dict[str, Any]] = yaml.safe_load((LOCALES / "glossary.yaml").read_text(encoding="utf-8"))["terms"]


@cache
def translations(language: str) -> list[tuple[str, str]]:
    """(source, translation) of every entry, plural forms each on their own."""
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[-1], s or ids[-1] if language == "en" else s) for s in strings]
    return pairs


def problems(language: str, terms: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    pairs = translations(language)
    everything = "\n".join(text for _source, text in pairs).casefold()
    for term, entry in terms.items():
        rules = entry.get(language)
        if not rules:
            found.append(f"{term}: no entry for {language}")
            continue
        if not any(form.casefold() in everything for form in rules.get("use", [])):
            found.append(f"{term}: none of {rules.get('use')} is used")
        found += [f"{term}: avoid {bad!r}, found in {text!r}" for bad in rules.get("avoid", [])
                  for _source, text in pairs if bad.casefold() in text.casefold()][:3]
        if german := entry.get("german"):
            source = re.compile(entry["source"])
            found += [f"{term}: keep ({german}) in {text!r}" for src, text in pairs
                      if source.search(src) and german not in text]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_follows_the_glossary(language: str) -> None:
    found = problems(language, GLOSSARY)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_style_sheet(language: str) -> None:
    path = LOCALES / language / "STYLE.md"
    text = path.read_text(encoding="utf-8")
    assert front_matter(text) is not None, f"{path}: starts with a --- front matter (name, digits)"
    for topic in ("Register", "Buttons", "Digits"):
        assert re.search(rf"^#+ .*{topic}", text, re.M | re.I), f"{path}: no section on {topic}"
    style = language_style(LOCALES, language)
    digits = {"latn": "0-9", "arab": "٠-٩", "arabext": "۰-۹"}
    others = "".join(v for k, v in digits.items() if k != style.digits)
    stray = [text for _source, text in translations(language) if re.search(f"[{others}]", text)]
    assert not stray, f"digits other than {style.digits} in: {stray[:3]}"


def test_the_checks_find_what_they_guard(tmp_path: Path) -> None:
    terms = {"tax_office": {"source": "^Tax office", "german": "Finanzamt",
                            "de": {"use": ["Finanzamt"], "avoid": ["Steueramt"]}},
             "board": {"source": "board", "de": {"use": ["Gremium"]}},
             "mso": {"source": "migrant"}}
    found = problems("de", terms)
    assert any(p.startswith("board: none of") for p in found)
    assert "mso: no entry for de" in found
    assert not [p for p in found if p.startswith("tax_office")]
    terms["tax_office"]["de"]["avoid"] = ["Finanzamt"]
    assert any(p.startswith("tax_office: avoid") for p in problems("de", terms))
