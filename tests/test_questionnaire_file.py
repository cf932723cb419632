"""The questionnaire file: the shipped one is valid; broken ones are reported precisely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.kernel.i18n import Catalogs
from bot.questionnaire import QuestionnaireError, default_path, load
from bot.questionnaire.extract import extract_questionnaire


def shipped() -> dict[str, Any]:
    data = yaml.safe_load(default_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        load(path)
    return [str(p) for p in info.value.problems]


def test_the_shipped_questionnaire_covers_what_the_office_asks() -> None:
    questionnaire = load()
    ids = {q.id for _s, q in questionnaire.questions()}
    # "role" was the person's, not the association's (version 2 dropped it: answers stay in the export)
    assert {"org_name", "communities", "district", "members", "status", "comments", "need_areas",
            "need_other", "workshop_languages"} <= ids
    topics = ["pr", "projects", "bookkeeping", "organising", "funding", "law", "volunteers",
              "digital", "rooms"]
    assert all(f"need_{t}" in ids and f"need_{t}_details" in ids for t in topics)
    district = next(q for _s, q in questionnaire.questions() if q.id == "district")
    assert len(questionnaire.choices(district)) == 11  # ten city districts, and outside Wuppertal
    kinds = {q.type.value for _s, q in questionnaire.questions()}
    assert kinds == {"single", "multi", "scale", "text", "number", "yesno"}


def test_yes_and_no_stay_strings(tmp_path: Path) -> None:
    data = shipped()
    data["sections"][0]["questions"].append(
        {"id": "extra", "type": "single", "text": "Extra?", "options": [
            {"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]})
    text = yaml.safe_dump(data).replace("'yes'", "yes").replace("'no'", "no")
    path = tmp_path / "q.yaml"
    path.write_text(text)
    questionnaire = load(path)
    extra = next(q for _s, q in questionnaire.questions() if q.id == "extra")
    assert [o.id for o in questionnaire.choices(extra)] == ["yes", "no"]


def test_duplicate_ids_are_named(tmp_path: Path) -> None:
    data = shipped()
    data["sections"][1]["questions"].append(dict(data["sections"][0]["questions"][0]))
    assert any("question 'org_name': duplicate question id" in p for p in problems_of(write(tmp_path, data)))


def test_unknown_question_in_a_condition_is_named(tmp_path: Path) -> None:
    data = shipped()
    data["sections"][0]["questions"][2]["show_if"] = {"question": "communitees", "includes": "other"}
    found = problems_of(write(tmp_path, data))
    assert found == [f"{tmp_path / 'broken.yaml'}: question 'communities_other': "
                     "show_if refers to unknown question 'communitees'"]


def test_an_option_without_a_label_is_named(tmp_path: Path) -> None:
    data = shipped()
    del data["sections"][0]["questions"][3]["options"][1]["label"]
    found = problems_of(write(tmp_path, data))
    assert found == [f"{tmp_path / 'broken.yaml'}: question 'district': options.1.label: missing"]


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    data = shipped()
    needs = data["sections"][1]["questions"]
    needs[2]["scale"] = "needs"
    needs[3]["show_if"] = {"question": "need_pr", "in": ["huge"]}
    found = problems_of(write(tmp_path, data))
    assert any("question 'need_pr': unknown scale 'needs'" in p for p in found)
    assert any("question 'need_pr_details'" in p for p in found)


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("sections: [unclosed\n")
    assert problems_of(path)[0].startswith(f"{path}: not valid YAML")


def test_extractor_finds_every_text() -> None:
    questionnaire = load()
    with default_path().open("rb") as handle:
        extracted = {message for _line, _f, message, _c in extract_questionnaire(handle, {}, [], {})}
    assert {text for _place, text in questionnaire.texts()} == extracted


def run_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "check", *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_msobot_check_accepts_the_shipped_file() -> None:
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert "OK:" in result.stdout and "de" in result.stdout


def test_msobot_check_fails_with_file_question_and_problem(tmp_path: Path) -> None:
    data = shipped()
    data["sections"][0]["questions"][2]["show_if"] = {"question": "nope", "includes": "other"}
    result = run_check(str(write(tmp_path, data)))
    assert result.returncode == 1
    assert "broken.yaml: question 'communities_other': show_if refers to unknown question 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_msobot_check_reports_a_missing_translation(tmp_path: Path) -> None:
    data = shipped()
    data["sections"][0]["questions"][0]["text"] = "What do people call your association?"
    result = run_check(str(write(tmp_path, data)))
    assert result.returncode == 1
    assert "question 'org_name': missing de translation of 'What do people call your association?'" \
        in result.stderr


def test_workshop_languages_offer_every_language_the_bot_speaks() -> None:
    """An association that chats in Romanian can say it would attend a workshop in Romanian."""
    questionnaire = load()
    languages = next(q for _s, q in questionnaire.questions() if q.id == "workshop_languages")
    offered = {o.id for o in questionnaire.choices(languages)}
    assert set(Catalogs().languages) <= offered
    assert "de" in offered and "other" in offered
