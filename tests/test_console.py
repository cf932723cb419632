"""`msobot chat` completes the questionnaire in Turkish, driven through its standard input."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.console import console_settings
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Question, QuestionType
from bot.services import open_services
from tests.helpers.scripted_user import shows_help

CATALOG = """\
partners:
  - {{id: vhs, name: Bergische VHS, kind: vhs, topics: [pr], languages: [de], contact: {{email: vhs@example.org}}}}
workshops:
  - id: pr-online
    title: {{de: Online-Pressearbeit}}
    topics: [pr]
    languages: [de, tr]
    start: {start}
    end: {end}
    online: true
    provider: vhs
    registration: {{link: "https://example.org/pr"}}
"""
CHOICE = re.compile(r"^\s+(\d+)\) (.*)$")


class Terminal:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def screen(self) -> list[str]:
        """Everything printed up to the next input prompt ("> ...")."""
        assert self.process.stdout is not None
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), 20)
            if not raw:
                return lines
            line = raw.decode().rstrip("\n")
            if line.startswith(">"):
                lines.append(line)
                return lines
            lines.append(line)

    async def type(self, text: str) -> list[str]:
        assert self.process.stdin is not None
        self.process.stdin.write((text + "\n").encode())
        await self.process.stdin.drain()
        return await self.screen()


def choices(lines: list[str]) -> dict[str, str]:
    """label -> number of the last printed list of choices."""
    found: dict[str, str] = {}
    for line in lines:
        match = CHOICE.match(line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def question_on(lines: list[str], engine: Engine, t_gettext: object) -> Question | None:
    text = "\n".join(lines)
    matches = [q for _s, q in engine.questionnaire.questions() if t_gettext(q.text) in text]  # type: ignore[operator]
    return max(matches, key=lambda q: len(q.text)) if matches else None


async def walk(terminal: Terminal, lines: list[str], engine: Engine, _: Callable[[str], str],
               name: str) -> tuple[list[str], list[str]]:
    """From the first question to the summary, as a person at the keyboard: public relations
    urgent, the first choice elsewhere; a wrong year first, and an unknown command at the name.
    Returns the summary's lines and the questions answered."""
    answered: list[str] = []
    for _step in range(100):
        question = question_on(lines, engine, _)
        if question is None or _("Your answers") in "\n".join(lines):
            break
        answered.append(question.id)
        if question.type is QuestionType.NUMBER:
            lines = await terminal.type("abc")
            assert "⚠️" in "\n".join(lines)
            lines = await terminal.type("2005")
        elif question.type is QuestionType.TEXT:
            if question.id == "org_name":  # a command is never the name: help, or a staff command's refusal
                assert shows_help("\n".join(await terminal.type("/statistik")))
                refused = "\n".join(await terminal.type("/stats"))
                assert refused.strip() and not shows_help(refused)
            lines = await terminal.type("/skip" if not question.required else name)
        elif question.id == "need_pr":
            lines = await terminal.type(choices(lines)[_("Urgent")])
        elif question.type is QuestionType.MULTI:
            first = next(n for label, n in choices(lines).items() if label.startswith("☐"))
            lines = await terminal.type(first)
            done = next(n for label, n in choices(lines).items() if label.startswith("✔"))
            lines = await terminal.type(done)
        else:
            lines = await terminal.type("1")
    return lines, answered


async def test_console_chat_in_turkish(tmp_path: Path) -> None:
    database = tmp_path / "msobot.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_DATABASE=str(database))
    catalog = tmp_path / "catalog.yaml"
    start = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d 18:00")
    catalog.write_text(CATALOG.format(start=start, end=start.replace("18:00", "20:00")), encoding="utf-8")
    imported = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "catalog", "import", str(catalog),
                                                    env=env, stderr=asyncio.subprocess.PIPE)
    assert await imported.wait() == 0
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--language", "tr", env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    terminal = Terminal(process)
    t = Catalogs().translator("tr")
    _ = t.gettext
    engine = Engine(load())

    lines = await terminal.screen()
    options = choices(lines)
    assert list(options) == [Catalogs().display_name(c) for c in Catalogs().offered]  # one fixed order
    lines = await terminal.type(options["Türkçe"])
    assert _("Privacy notice") in "\n".join(lines)
    lines = await terminal.type(choices(lines)[_("Yes, I agree")])

    lines, answered = await walk(terminal, lines, engine, _, "Yılmaz Veliler Derneği")
    summary = "\n".join(lines)
    assert _("Your answers") in summary and "Yılmaz Veliler Derneği" in summary
    confirm = next(n for label, n in choices(lines).items() if label.startswith("✅"))
    # The thank-you, then the suggestion that fits; "Interested" saves the calendar file.
    lines = await terminal.type(confirm)
    thanked = "\n".join(lines)
    assert "Online-Pressearbeit" in thanked
    interested = [m.group(1) for line in lines
                  if (m := CHOICE.match(line)) and m.group(2).endswith(_("We're interested"))]
    assert len(interested) == 2  # the workshop first, then the partner organisation
    lines = await terminal.type(interested[0])
    ics = tmp_path / "files" / "pr-online.ics"
    assert f"→ {ics}" in "\n".join(lines) and "BEGIN:VCALENDAR" in ics.read_text(encoding="utf-8")
    lines = await terminal.type("/mydata")  # the user's data, saved next to the database too
    saved = next(tmp_path.joinpath("files").glob("mso-assistant-*.json"))
    assert f"→ {saved}" in "\n".join(lines)
    assert json.loads(saved.read_text(encoding="utf-8"))["submissions"][0]["organisation"]["name"] \
        == "Yılmaz Veliler Derneği"
    assert process.stdin is not None
    process.stdin.write(b"/quit\n")
    await process.stdin.drain()
    rest, errors = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, errors.decode()
    # `msobot chat` only where it is on the PATH (after `make run` it is not)
    again = "`msobot chat`" if shutil.which("msobot", path=env.get("PATH")) else "`make run`"
    assert _("Goodbye. Your answers are saved; run {command} again to continue.").format(command=again) \
        in rest.decode()
    assert _("Thank you! Your answers have been sent to the integration office of the City of "
             "Wuppertal. We will use them to plan support for migrant self-organisations, together "
             "with the welfare associations, the adult education centre and the municipal "
             "integration centre, and to put associations in touch with each other.") in thanked

    with sqlite3.connect(database) as db:
        stored = {q: json.loads(v) for q, v in db.execute("SELECT question_id, value FROM answers")}
        language, completed = db.execute(
            "SELECT u.language, s.completed_at FROM users u JOIN submissions s ON s.user_id = u.id").fetchone()
    assert language == "tr" and completed is not None
    assert set(stored) == set(answered)
    assert stored["org_name"] == "Yılmaz Veliler Derneği"
    assert stored["district"] == "elberfeld" and "comments" not in stored  # offered on the summary, not asked
    assert stored["founded"] == 2005


async def english_console(tmp_path: Path) -> tuple[asyncio.subprocess.Process, Terminal]:
    """`msobot chat` in English on a new database (an empty catalog)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_DATABASE=str(tmp_path / "msobot.sqlite3"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--language", "en", env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    return process, Terminal(process)


async def test_after_delete_the_goodbye_keeps_no_promise_of_saved_answers(tmp_path: Path) -> None:
    process, terminal = await english_console(tmp_path)
    await terminal.screen()  # an empty catalog: the sample is offered
    lines = await terminal.type("2")
    lines = await terminal.type(choices(lines)["English"])
    await terminal.type(choices(lines)["Yes, I agree"])
    await terminal.type("Verein am Ölberg")
    lines = await terminal.type("/delete")
    await terminal.type(choices(lines)["Yes, delete"])
    rest, errors = await asyncio.wait_for(process.communicate(b"/quit\n"), 20)
    assert process.returncode == 0, errors.decode()
    assert rest.decode().rstrip().endswith("Goodbye.") and "saved" not in rest.decode().split("deleted")[-1]


async def test_the_console_holds_nothing_back_for_quiet_hours(tmp_path: Path) -> None:
    """The person at the keyboard is awake: an introduction or a new offer is not kept until
    the morning, as it would be for a phone at night."""
    settings = Settings(database=tmp_path / "db.sqlite3", quiet_hours="00:00-23:59")
    for quiet, expected in ((settings, False), (console_settings(settings), True)):
        services = await open_services(quiet)
        try:
            now = services.store.now()
            assert (services.suggestions.later() <= now + timedelta(seconds=1)) is expected
        finally:
            await services.close()


async def test_a_fresh_clone_offers_the_sample_catalog_and_shows_suggestions_with_reasons(tmp_path: Path) -> None:
    process, terminal = await english_console(tmp_path)
    _ = Catalogs().translator("en").gettext
    offer = "\n".join(await terminal.screen())
    assert _("The catalog of workshops and partner organisations is empty, so the questionnaire would end "
             "without suggestions.") in offer
    lines = await terminal.type("1")  # one key
    assert _("Sample catalog loaded. It is sample data, not real offers.") in "\n".join(lines)
    lines = await terminal.type(choices(lines)["English"])
    lines = await terminal.type(choices(lines)[_("Yes, I agree")])
    lines, _answered = await walk(terminal, lines, Engine(load()), _, "Verein am Ölberg")
    confirm = next(n for label, n in choices(lines).items() if label.startswith("✅"))
    thanked = "\n".join(await terminal.type(confirm))
    assert _("Why it fits: {reasons}").split("{")[0] in thanked  # suggestions, each with its reasons
    assert "(Beispiel)" in thanked  # and visibly sample data
    _rest, errors = await asyncio.wait_for(process.communicate(b"/quit\n"), 20)
    assert process.returncode == 0, errors.decode()
