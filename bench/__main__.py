"""`python -m bench` (or `make bench`): the measurements of issues 6 and 17, one table.

Each part runs in a process of its own, so its peak memory is its own. `--quick` runs a
tenth of the size (a smoke run: the figures are not comparable with the goals); `--part N`
runs one part here and prints its rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.report import Row, at_least, at_most, info, machine, table


@dataclass(frozen=True)
class Size:
    msos: int = 2000  # part 1: MSOs filling in the questionnaire at once
    concurrency: int = 1  # part 1: updates in flight (more only queue: the work is CPU-bound)
    pushes: int = 1000  # part 2
    chats: int = 200  # part 2: the pushes go to this many chats
    staff_msos: int = 20_000  # parts 3 and 4
    answers: int = 400_000
    workshops: int = 2000
    stall_users: int = 200  # part 4
    stall_baseline: float = 15.0  # seconds of the users alone before staff start
    completion_small: int = 2000  # part 5: associations in the database, the smaller ...
    completion_members: int = 200  # ... and the larger (staff_msos): completions timed in each
    completion_workshops: int = 200  # upcoming workshops each completion is matched against
    report_msos: int = 2000  # part 6: associations of the two-round city the committee's report covers
    office_pages: int = 150  # part 7: pages the officers open on the web view (stall_users answering meanwhile)


FULL = Size()
QUICK = Size(msos=200, pushes=200, chats=40, staff_msos=2000, answers=40_000, workshops=200, stall_users=40,
             stall_baseline=5.0, completion_small=200, completion_members=40, completion_workshops=50,
             report_msos=200, office_pages=30)


async def conversation(size: Size) -> list[Row]:
    from bench import conversation

    result = await conversation.run(size.msos, concurrency=size.concurrency)
    ours, echo = result.ours, result.echo
    part = "1 conversation"
    per_call = (ours["per_second"] * ours["calls_per_update"]) / (echo["per_second"] * echo["calls_per_update"])
    return [
        info(part, "MSOs / completed questionnaires", result.completed),
        at_most(part, "errors logged", result.errors, 1, ""),
        at_most(part, "Bot API calls refused (as Telegram would)", ours["refused"], 1, ""),
        at_least(part, "updates per second", ours["per_second"], 1000, "/s"),
        info(part, "echo bot, same harness", echo["per_second"], "/s"),
        at_least(part, "ratio to the echo bot", ours["per_second"] / echo["per_second"], 0.5, "", 2),
        info(part, "Bot API calls per update", ours["calls_per_update"], "", 2),
        info(part, "echo bot: Bot API calls per update", echo["calls_per_update"], "", 2),
        info(part, "ratio to the echo bot per Bot API call", per_call, "", 2),
        info(part, "database round trips per update", ours["trips_per_update"], "", 2),
        info(part, "write transactions per update", ours["writes_per_update"], "", 2),
        info(part, "p50 latency", ours["p50_ms"], "ms", 1),
        info(part, "p95 latency", ours["p95_ms"], "ms", 1),
        at_most(part, "p99 latency", ours["p99_ms"], 20, "ms", 1),
        info(part, "echo p99 latency", echo["p99_ms"], "ms", 2),
        info(part, "peak memory", result.peak_mb, "MB"),
    ]


async def delivery(size: Size) -> list[Row]:
    from bench import delivery

    result = await delivery.run(size.pushes, size.chats)
    part = "2 push delivery"
    return [
        info(part, f"pushes to {result.chats} chats", result.pushes),
        at_least(part, "messages per second", result.rate, 28, "/s", 1),
        info(part, "429 answers received", result.too_fast),
        at_most(part, "duplicates", result.duplicates, 1, ""),
        at_most(part, "lost", result.lost, 1, ""),
        info(part, "peak memory", result.peak_mb, "MB"),
    ]


async def staff(size: Size) -> list[Row]:
    from bench import staff_scale

    result = await staff_scale.run(size.staff_msos, size.answers, size.workshops)
    part = "3 staff side"
    return [
        info(part, "MSOs", result.size.msos),
        info(part, "completed questionnaires", result.size.completed),
        info(part, "answers", result.size.answers),
        info(part, "workshops", result.size.workshops),
        at_most(part, "weekly digest (figures, text, chart)", result.digest_seconds, 2, "s", 2),
        at_most(part, "match all MSOs to a new workshop", result.matching_seconds, 1, "s", 2),
        at_most(part, "its longest write transaction", result.longest_write * 1000, 50, "ms", 1),
        info(part, "MSOs the new workshop was queued for", result.pushed),
        at_most(part, "peak memory", result.peak_mb, 300, "MB"),
    ]


async def stall(size: Size) -> list[Row]:
    from bench import stall

    result = await stall.run(size.staff_msos, size.answers, size.workshops, users=size.stall_users,
                             baseline_seconds=size.stall_baseline)
    part = "4 stall"
    alone, during = result.baseline, result.during
    return [
        info(part, f"MSOs; users answering, each every {stall.THINK[0]:g}-{stall.THINK[1]:g} s", result.msos),
        info(part, "users alone: p99 latency", alone["p99_ms"], "ms", 1),
        info(part, "users alone: longest event-loop block", result.baseline_block * 1000, "ms"),
        info(part, "staff at work: updates handled meanwhile", during["updates"]),
        info(part, "staff at work: p50 latency", during["p50_ms"], "ms", 1),
        at_most(part, "staff at work: p99 latency", during["p99_ms"], 50, "ms", 1),
        info(part, "staff at work: max latency", during["max_ms"], "ms", 1),
        at_most(part, "staff at work: longest event-loop block", result.longest_block * 1000, 100, "ms"),
        info(part, "staff at work: the bot's longest write transaction", result.longest_write * 1000, "ms", 1),
        at_most(part, "failed updates", result.failed, 1, ""),
        *[info(part, f"{what} done after", seconds, "s", 1) for what, seconds in result.staff_seconds.items()],
        info(part, "pushes the import queued", result.import_pushes),
        info(part, "peak memory", result.peak_mb, "MB"),
    ]


async def completion(size: Size) -> list[Row]:
    from bench import completion

    part = "5 completion"
    rows, p99 = [], []
    for msos in (size.completion_small, size.staff_msos):
        result = await completion.run(msos, size.completion_members, size.completion_workshops)
        p99.append(result.completions["p99_ms"])
        rows += [info(part, f"{msos:,} MSOs: completing tap p50", result.completions["p50_ms"], "ms", 1),
                 at_most(part, f"{msos:,} MSOs: completing tap p99", p99[-1], 20, "ms", 1)]
    return [info(part, f"completions timed per size, against {size.completion_workshops} workshops",
                 size.completion_members),
            *rows, at_most(part, "p99 larger / smaller", p99[1] / p99[0], 1.5, "", 2)]


async def report(size: Size) -> list[Row]:
    from bench import report_scale

    result = await report_scale.run(size.report_msos)
    part = "6 report"
    return [
        info(part, "associations in two rounds", result.msos),
        at_most(part, "committee's report as PDF (read, protect, charts, layout)", result.pdf_seconds, 30, "s", 1),
        info(part, "the same as HTML", result.html_seconds, "s", 1),
        info(part, "PDF size", result.pdf_bytes / 1024, "KiB"),
        info(part, "peak memory", result.peak_mb, "MB"),
    ]


async def office(size: Size) -> list[Row]:
    from bench import office

    result = await office.run(size.staff_msos, size.answers, size.workshops, users=size.stall_users,
                              baseline_seconds=size.stall_baseline, pages=size.office_pages)
    part = "7 office web view"
    users, pages = result.users, result.pages
    return [
        info(part, f"MSOs; users answering; {office.OFFICERS} officers browsing", result.users.msos),
        info(part, "pages opened (table, filtered table, association pages)", pages["count"]),
        info(part, "page time p50", pages["p50_ms"], "ms", 1),
        at_most(part, "page time p95", pages["p95_ms"], 300, "ms", 1),
        info(part, "page time max", pages["max_ms"], "ms", 1),
        info(part, "users alone: p99 latency", users.baseline["p99_ms"], "ms", 1),
        at_most(part, "officers browsing: users' p99 latency", users.during["p99_ms"], 50, "ms", 1),
        at_most(part, "officers browsing: longest event-loop block", users.longest_block * 1000, 100, "ms"),
        at_most(part, "failed updates", users.failed, 1, ""),
    ]


PARTS = {1: conversation, 2: delivery, 3: staff, 4: stall, 5: completion, 6: report, 7: office}


def run_part(number: int, size: Size) -> list[Row]:
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(PARTS[number](size))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size: a smoke run")
    parser.add_argument("--part", type=int, choices=sorted(PARTS), help="run only this part, in this process")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (with --part)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    if args.part is not None:
        measured = run_part(args.part, size)
        print(json.dumps([r.as_dict() for r in measured]) if args.json else table(measured))
        return 0
    print(f"MSO Assistant benchmark{' (quick: not comparable with the goals)' if args.quick else ''}; "
          f"{machine()}", flush=True)
    rows: list[Row] = []
    for number in sorted(PARTS):
        began = time.monotonic()
        command = [sys.executable, "-m", "bench", "--part", str(number), "--json"] + (["--quick"] if args.quick else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        rows += [Row.from_dict(r) for r in json.loads(done.stdout.strip().splitlines()[-1])]
        print(f"part {number} took {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    print(table(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
