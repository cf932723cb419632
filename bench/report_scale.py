"""Part 6: the committee's report (issue 29) for a generated two-round city, timed as staff
wait for it: reading the snapshot, counting and protecting, drawing the four charts and laying
out the PDF, in the process `report_job` runs in. Goal: under 30 s at 2,000 associations.

`python -m bench.report_scale --sample docs/sample-report.pdf` writes the sample report linked
from the README instead: a small city from the shipped sample catalog, fixed dates and seed, so
the file is the same each time it is made.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.report import peak_memory_mb
from bench.rounds import two_rounds
from bot.kernel.settings import Settings
from bot.report.job import ReportRequest, report_job

SAMPLE_NOW = datetime(2027, 3, 1, tzinfo=UTC)
SAMPLE_GENERATED = datetime(2027, 3, 27, 9, 0, tzinfo=UTC)
SAMPLE_NOTES = """# Vorschläge des Ressorts (Beispiel)

- Workshops zu den Bereichen ohne Angebot gemeinsam mit den Trägern der Integrationsarbeit planen.
- Vernetzung der MSOs untereinander in den Stadtbezirken mit dem größten Bedarf fördern.
"""


@dataclass
class ReportResult:
    msos: int
    completed: int  # in the second round, as the report counts them
    generate_seconds: float
    pdf_seconds: float
    pdf_bytes: int
    html_seconds: float
    peak_mb: float


def _settings(path: Path) -> Settings:
    return Settings(telegram_token=None, database=path, staff_ids=[4711], quiet_hours="",
                    _env_file=None)


async def run(msos: int, seed: int = 20261129) -> ReportResult:
    with tempfile.TemporaryDirectory(prefix="msobot-report-") as tmp:
        settings = _settings(Path(tmp) / "report.sqlite3")
        started = time.perf_counter()
        size = await two_rounds(settings, msos, msos * 20, max(20, msos // 10), seed)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        pdf = await asyncio.to_thread(report_job, settings, ReportRequest(), datetime.now(UTC))
        pdf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await asyncio.to_thread(report_job, settings, ReportRequest(format="html"), datetime.now(UTC))
        html_seconds = time.perf_counter() - started
    return ReportResult(msos=msos, completed=size.completed, generate_seconds=generated, pdf_seconds=pdf_seconds,
                        pdf_bytes=len(pdf), html_seconds=html_seconds, peak_mb=peak_memory_mb())


def sample(output: Path, msos: int = 120) -> None:
    with tempfile.TemporaryDirectory(prefix="msobot-sample-") as tmp:
        settings = _settings(Path(tmp) / "sample.sqlite3")
        asyncio.run(two_rounds(settings, msos, msos * 20, 24, seed=29, now=SAMPLE_NOW))
        content = report_job(settings, ReportRequest(notes=SAMPLE_NOTES), SAMPLE_GENERATED)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(content)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report_scale", description=__doc__)
    parser.add_argument("--msos", type=int, default=2000)
    parser.add_argument("--sample", type=Path, help="write the sample report here instead of timing")
    args = parser.parse_args()
    if args.sample:
        sample(args.sample)
        print(f"sample report written to {args.sample}")
        return
    result = asyncio.run(run(args.msos))
    print(f"{result.msos:,} associations in two rounds: report PDF {result.pdf_seconds:.1f} s "
          f"({result.pdf_bytes / 1024:.0f} KiB), HTML {result.html_seconds:.1f} s; goal < 30 s; "
          f"peak memory {result.peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
