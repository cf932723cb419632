"""The benchmark keeps working: each part at a tiny size, checked for what its figures rest on
(every questionnaire completed, every push delivered once, the staff figures computed)."""

from __future__ import annotations

import logging

import pytest

from bench import completion, conversation, delivery, staff_scale, stall
from bench.__main__ import Size
from bench.__main__ import main as bench_main
from bench.report import at_least, at_most, table


async def test_conversation_part_completes_every_questionnaire_through_both_bots() -> None:
    result = await conversation.run(6)
    assert result.completed == 6 and result.errors == 0, result.first_error
    assert result.ours["updates"] == result.echo["updates"] > 6 * 20  # the same trace through both
    assert result.ours["refused"] == 0  # every call as Telegram takes it
    assert 1 <= result.ours["writes_per_update"] <= result.ours["trips_per_update"]  # counted
    assert 0 < result.ours["p50_ms"] <= result.ours["p99_ms"]
    assert result.outbox.get("sent", 0) + result.outbox.get("pending", 0) > 0  # suggestions were queued


async def test_delivery_part_sends_each_push_once_within_the_limits() -> None:
    result = await delivery.run(40, 10)
    assert (result.delivered, result.duplicates, result.lost) == (40, 0, 0)
    assert result.states == {"sent": 40}
    assert result.too_fast_chat == 0  # four pushes a chat: the worker waits a second between them


async def test_staff_part_builds_the_digest_and_matches_a_new_workshop(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    result = await staff_scale.run(300, 6000, 30)
    assert result.size.msos == 300 and 4000 < result.size.answers < 7000  # areas first: fewer per association
    assert result.chart_bytes > 0 and result.digest_messages >= 1
    assert 0 < result.pushed <= 300
    assert not caplog.records


async def test_stall_part_has_users_answer_while_staff_export_import_and_ask(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    result = await stall.run(300, 6000, 30, users=12, baseline_seconds=4.0, new=2)
    assert result.failed == 0, result.first_failure
    assert set(result.staff_seconds) == {"/export", "/msos", "/digest", "msobot catalog import"}
    assert result.baseline["updates"] > 0 and result.during["updates"] > 0
    assert result.import_pushes > 0  # the second process queued pushes the bot did not write
    assert result.longest_block > 0 and result.longest_write > 0


async def test_completion_part_times_only_the_completing_taps() -> None:
    result = await completion.run(120, 3, 10)
    assert result.completions["updates"] == 3  # one completing tap per member
    assert result.others["updates"] > 3 * 20
    assert 0 < result.completions["p50_ms"] <= result.completions["p99_ms"]


def test_table_marks_goals_met_and_missed() -> None:
    rows = [at_least("1", "rate", 30.0, 28, "/s", 1), at_most("1", "p99", 25.0, 20, "ms")]
    lines = table(rows).splitlines()
    assert lines[2].endswith("PASS") and lines[3].endswith("MISS")


def test_one_part_prints_its_table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bench.__main__.QUICK", Size(msos=2, pushes=10, chats=5, staff_msos=50, answers=500,
                                                     workshops=5))
    assert bench_main(["--part", "2", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "messages per second" in out and "duplicates" in out



async def test_report_part_times_the_committee_report() -> None:
    from bench import report_scale

    result = await report_scale.run(40)
    assert result.msos == 40 and result.pdf_bytes > 10_000 and result.pdf_seconds > 0


async def test_office_part_opens_pages_while_users_answer(caplog: pytest.LogCaptureFixture) -> None:
    from bench import office
    caplog.set_level(logging.ERROR)
    result = await office.run(300, 6000, 30, users=12, baseline_seconds=3.0, pages=12)
    assert result.pages["count"] == 12 and 0 < result.pages["p50_ms"] <= result.pages["p95_ms"]
    assert result.users.failed == 0, result.users.first_failure
    assert result.users.during["updates"] > 0
