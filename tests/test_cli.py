"""The `msobot` command: configuration errors in one line, and the CSV export."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from bot.kernel.actions import Kind
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.survey.turns import Visitor
from tests.helpers.services import answer_until_summary, button, make_service, onboard


def msobot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env={**clean, **env}, timeout=60, check=False, stdin=subprocess.DEVNULL)


def test_run_without_a_token_names_the_variable(tmp_path: Path) -> None:
    result = msobot("run", MSOBOT_DATABASE=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "msobot: configuration error: MSOBOT_TELEGRAM_TOKEN: missing (get one from @BotFather)"]


def test_run_without_a_controller_for_the_privacy_notice_names_the_variable(tmp_path: Path) -> None:
    result = msobot("run", MSOBOT_TELEGRAM_TOKEN="1:x", MSOBOT_DATABASE=str(tmp_path / "db.sqlite3"),
                    MSOBOT_CONTROLLER="Stadt Wuppertal")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "msobot: configuration error: MSOBOT_CONTROLLER_CONTACT: missing (the privacy notice must name who is "
        "responsible for the data and how to reach them and the data protection officer)"]


def test_a_malformed_value_is_one_line_naming_the_variable() -> None:
    result = msobot("check", MSOBOT_STAFF_IDS="12,abc")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "MSOBOT_STAFF_IDS" in lines[0] and "Traceback" not in result.stderr
    result = msobot("check", MSOBOT_TIMEZONE="Europe/Wupperthal")
    assert result.returncode == 2 and "MSOBOT_TIMEZONE: unknown time zone" in result.stderr


def test_webhook_mode_needs_its_secret(tmp_path: Path) -> None:
    result = msobot("run", "--webhook", MSOBOT_TELEGRAM_TOKEN="1:x", MSOBOT_WEBHOOK_URL="https://x.example/t",
                    MSOBOT_DATABASE=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 2 and "MSOBOT_WEBHOOK_SECRET: missing" in result.stderr


async def test_export_writes_one_row_per_submission_with_readable_values(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    service = await make_service(database)
    for user_id in (1, 2):
        visitor = Visitor(user_id, "en")
        summary = await answer_until_summary(service, visitor, await onboard(service, visitor))
        if user_id == 1:
            await service.press(visitor, button(summary, Kind.CONFIRM).action)
    await service.store.close()

    output = tmp_path / "out" / "export.csv"
    result = msobot("export", "--format", "csv", "--output", str(output), MSOBOT_DATABASE=str(database))
    assert result.returncode == 0, result.stderr
    with output.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    de, office = Catalogs().translator("de"), Catalogs(domain=STAFF_DOMAIN).translator("de")
    header = rows[0]
    assert header[:2] == ["Einsendung", "Fragebogenversion"]
    assert header[:2] == [office.gettext("Submission"), office.gettext("Questionnaire version")]
    assert de.gettext("What is the name of your association?") in header
    assert len(rows) == 3
    by_column = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert by_column[0][office.gettext("Completed")] != "" and by_column[1][office.gettext("Completed")] == ""
    assert by_column[0][office.gettext("Organisation")] == "Verein"
    district = de.gettext("In which city district is your association based?")
    assert by_column[0][district] == "Elberfeld"
    communities = de.gettext("Which communities does your association serve?")
    assert by_column[0][communities] == de.gettext("Turkish")


async def test_digest_print_and_xlsx_export(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    service = await make_service(database)
    visitor = Visitor(1, "en")
    summary = await answer_until_summary(service, visitor, await onboard(service, visitor))
    await service.press(visitor, button(summary, Kind.CONFIRM).action)
    await service.store.close()
    printed = msobot("digest", "--print", "--chart", str(tmp_path / "chart.png"), MSOBOT_DATABASE=str(database))
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("📊 Wochenbericht von MSO Assistant")
    assert "Abgeschlossene Fragebögen: 1" in printed.stdout
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    english = msobot("digest", "--print", MSOBOT_DATABASE=str(database), MSOBOT_STAFF_LANGUAGE="en")
    assert "Questionnaires completed: 1" in english.stdout
    sending = msobot("digest", "--send", MSOBOT_DATABASE=str(database))
    assert sending.returncode == 2 and "MSOBOT_TELEGRAM_TOKEN" in sending.stderr
    exported = msobot("export", "--format", "xlsx", "--output", str(tmp_path / "out.xlsx"),
                      MSOBOT_DATABASE=str(database))
    assert exported.returncode == 0 and "1 submissions written" in exported.stderr
    from openpyxl import load_workbook
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert sheet is not None and sheet.max_row == 2 and sheet["A1"].value == "Einsendung"


def test_the_digest_time_is_checked_and_named(tmp_path: Path) -> None:
    result = msobot("digest", "--print", MSOBOT_DIGEST_TIME="montag 8", MSOBOT_DATABASE=str(tmp_path / "d.sqlite3"))
    assert result.returncode == 2 and "MSOBOT_DIGEST_TIME: expected a weekday and a time" in result.stderr
