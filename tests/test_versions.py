"""A changed questionnaire deployed under users at every stage: nothing lost, nobody stranded;
a rename without mapping refused by `msobot check` and at start, naming the question."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from bot.questionnaire import QuestionnaireError, default_path, load
from bot.questionnaire.checks import problems as file_problems
from bot.questionnaire.model import parse
from bot.questionnaire.staff_voice import StaffVoice
from bot.questionnaire.versions import Usage, definition, problems
from bot.services import Services, open_services
from bot.staff.exports import table
from bot.survey.turns import Visitor
from tests.helpers.services import answer_current, answer_until_summary, live, onboard

NEW_QUESTION = "Does your association have a website?"


def original() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_path().read_text(encoding="utf-8"))
    return data


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == question_id)


def version_2(mapped: bool = True) -> dict[str, Any]:
    """Renames `members` to `size` and the status option `ev` to `registered`, adds a website
    question after the district, drops the role question."""
    data = original()
    data["version"] = "2"
    members = question(data, "members")
    members["id"] = "size"
    status = question(data, "status")
    ev = next(o for o in status["options"] if o["id"] == "ev")
    ev["id"] = "registered"
    question(data, "founded")["show_if"]["in"] = ["registered", "unregistered"]
    if mapped:
        members["renamed_from"] = "members"
        ev["renamed_from"] = ["ev"]
    # A need question and a scale level renamed: the digest must still count the old answers.
    bookkeeping = question(data, "need_bookkeeping")
    bookkeeping["id"] = "need_finances"
    question(data, "need_bookkeeping_details")["show_if"]["question"] = "need_finances"
    data["matching"]["needs"]["bookkeeping"] = "need_finances"
    urgent = next(o for o in data["scales"]["need"] if o["id"] == "urgent")
    urgent["id"] = "very_urgent"
    data["matching"]["intensity"]["very_urgent"] = data["matching"]["intensity"].pop("urgent")
    for _s in data["sections"]:
        for q in _s["questions"]:
            condition = q.get("show_if")
            if isinstance(condition, dict) and "in" in condition:
                condition["in"] = ["very_urgent" if v == "urgent" else v for v in condition["in"]]
    if mapped:
        bookkeeping["renamed_from"] = "need_bookkeeping"
        urgent["renamed_from"] = "urgent"
    section = next(s for s in data["sections"] if any(q["id"] == "district" for q in s["questions"]))
    at = next(i for i, q in enumerate(section["questions"]) if q["id"] == "district")
    section["questions"].insert(at + 1, {"id": "website", "type": "yesno", "text": NEW_QUESTION})
    section["questions"] = [q for q in section["questions"] if q["id"] != "role"]
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def stored(services: Services, user_id: int) -> dict[str, Any]:
    rows = await services.store.fetch_all(
        "SELECT a.question_id, a.value FROM answers a JOIN submissions s ON s.id = a.submission_id "
        "WHERE s.user_id = ?", user_id)
    return {r["question_id"]: json.loads(r["value"]) for r in rows}


async def answer_until(services: Services, visitor: Visitor, outcome: Any, question_text: str) -> Any:
    """Answer with the first choice until `question_text` is asked."""
    for _ in range(20):
        if question_text in live(outcome).text:
            return outcome
        outcome = await answer_current(services.survey, visitor, live(outcome))
    raise AssertionError(f"never asked {question_text!r}")


NEW, MIDWAY, SUMMARY, DONE = (Visitor(i, "en") for i in (11, 12, 13, 14))


async def test_a_new_version_keeps_every_answer_and_strands_nobody(settings: Settings, tmp_path: Path) -> None:
    services = await open_services(settings)
    await onboard(services.survey, NEW)
    midway = await answer_until(services, MIDWAY, await onboard(services.survey, MIDWAY),
                                "In which year was your association founded?")
    summary = await answer_until_summary(services.survey, SUMMARY, await onboard(services.survey, SUMMARY))
    done = await answer_until_summary(services.survey, DONE, await onboard(services.survey, DONE))
    await services.survey.press(DONE, next(b.action for row in done.buttons for b in row if b.action.startswith("F:")))
    await services.store.db.execute(  # as if DONE had rated bookkeeping urgent
        "UPDATE answers SET value = '\"urgent\"' WHERE question_id = 'need_bookkeeping' AND submission_id = "
        "(SELECT id FROM submissions WHERE user_id = ?)", (DONE.user_id,))
    assert (await services.digest.figures.needs_as_of(services.store.now())).get("bookkeeping") == 1
    before = {v.user_id: await stored(services, v.user_id) for v in (MIDWAY, SUMMARY, DONE)}
    assert before[MIDWAY.user_id]["status"] == "ev" and "members" in before[MIDWAY.user_id]
    assert "website" not in live(midway).text and summary.buttons
    await services.close()

    services = await open_services(settings.model_copy(update={"questionnaire": write(tmp_path, version_2(),
                                                                                      "v2.yaml")}))
    try:
        # Not started: the questionnaire begins as usual, in the new version.
        first = live(await services.survey.start(NEW))
        assert "name of your association" in first.text
        # Mid-way: the new question is asked at its place, before the one they stopped at; the
        # renamed question and option keep their answers (`ev` now reads as `registered`, so
        # the year question still shows); the dropped role question is not asked.
        resumed = live(await services.survey.start(MIDWAY))
        assert NEW_QUESTION in resumed.text
        after_new = live(await answer_current(services.survey, MIDWAY, resumed))
        assert "In which year was your association founded?" in after_new.text
        rest = await answer_until_summary(services.survey, MIDWAY, await answer_current(
            services.survey, MIDWAY, after_new))
        assert "Registered association (e.V.)" in rest.text and "How many members" in rest.text
        assert "What is your role" not in rest.text
        # In the summary, and completed: the new question is asked, then the summary again.
        for visitor in (SUMMARY, DONE):
            again = live(await services.survey.start(visitor))
            assert NEW_QUESTION in again.text, visitor
            # DONE rated bookkeeping urgent (above): its details question shows up now, too.
            back = await answer_until_summary(services.survey, visitor, await answer_current(
                services.survey, visitor, again))
            actions = [b.action.split(":", 2)[-1] for row in back.buttons for b in row]
            assert back.text.startswith("Your answers") and "\n   → Yes" in back.text
            assert {"website", "size", "status"} <= set(actions) and "role" not in actions
        # Nothing stored was rewritten or lost: old ids stay as they were given.
        for visitor in (MIDWAY, SUMMARY, DONE):
            now = await stored(services, visitor.user_id)
            for question_id, value in before[visitor.user_id].items():
                assert now[question_id] == value, (visitor.user_id, question_id)
            assert now["website"] in ("yes", "no")
            assert "size" not in now  # answered under its old id; read through renamed_from
        assert [r[0] for r in await services.store.fetch_all(
            "SELECT version FROM questionnaire_versions ORDER BY deployed_at")] == ["1", "2"]
        # The digest counts answers under the earlier ids of a question and of a scale level.
        assert (await services.digest.figures.needs_as_of(services.store.now())).get("bookkeeping") == 1
        # The export reads every version: one column per question, the dropped one last, and
        # the version each questionnaire was started on.
        english = StaffVoice(Catalogs(settings.locales_dir, domain=STAFF_DOMAIN).translator("en"),
                             services.catalogs.translator("en"), services.engine, settings.tz)
        rows = await table(services.store, english)
        header = rows[0]
        members = header.index("How many members does your association have?")
        role = header.index("What is your role in the association? (Questionnaire version 1)")
        assert role == len(header) - 1 and header.index(NEW_QUESTION) == members - 1
        by_id = {row[0]: row for row in rows[1:]}
        for visitor in (MIDWAY, SUMMARY, DONE):
            submission = await services.store.current_submission(visitor.user_id)
            assert submission is not None and submission.questionnaire_version == "1"
            row = by_id[str(submission.id)]
            role_given = "" if visitor is MIDWAY else "Chair"  # MIDWAY stopped before it
            assert row[1] == "1" and row[members] == "1–10" and row[role] == role_given, row
    finally:
        await services.close()


async def test_a_rename_without_mapping_is_refused_by_check_and_at_start(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    services = await open_services(settings)
    await answer_until_summary(services.survey, MIDWAY, await onboard(services.survey, MIDWAY))
    await services.close()
    monkeypatch.setenv("MSOBOT_DATABASE", str(settings.database))

    unmapped = write(tmp_path, version_2(mapped=False), "v2-unmapped.yaml")
    assert await asyncio.to_thread(main, ["check", str(unmapped)]) == 1
    err = capsys.readouterr().err
    assert f"{unmapped}: question 'size': looks like 'members' renamed" in err
    assert "add `renamed_from: members`" in err
    assert "question 'status': option 'ev' has 1 stored answers and is gone" in err
    with pytest.raises(QuestionnaireError, match="question 'size': looks like 'members' renamed"):
        await open_services(settings.model_copy(update={"questionnaire": unmapped}))

    mapped = write(tmp_path, version_2(), "v2.yaml")
    # Refused only because the new question is not translated yet:
    assert await asyncio.to_thread(main, ["check", str(mapped)]) == 1
    out, err = capsys.readouterr()
    assert "unreadable" not in err and "missing de translation of 'Does your association have a website?'" in err
    assert "Changes since version 1" in out
    for line in ("question 'size': renamed from 'members'", "question 'status': option 'registered' renamed "
                 "from 'ev'", "question 'website': added", "question 'role': removed"):
        assert line in out, line


def test_same_version_with_other_content_is_refused() -> None:
    old = definition(load())
    changed = version_2()
    changed["version"] = old.version
    found = problems(old, definition(parse(changed)), Usage(answers=Counter(), options={}))
    assert [c.what for c in found] == ["the questionnaire changed but its version is still '1': give it a new version"]


def test_renamed_from_must_name_a_gone_id_once() -> None:
    data = version_2()
    question(data, "size")["renamed_from"] = "district"  # still in the file
    question(data, "status")["options"][1]["renamed_from"] = "ev"  # claimed by `registered` too
    found = file_problems(parse(data))
    assert ("size", "renamed_from 'district' names a question that is still in the file") in found
    assert ("status", "option 'unregistered': renamed_from 'ev' is claimed by 'registered' too") in found
