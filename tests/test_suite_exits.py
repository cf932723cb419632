"""A failing test fails the run quickly; it never leaves the test process hanging."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAILING = textwrap.dedent("""
    from bot.storage import open_store


    async def test_fails_with_the_store_still_open(tmp_path):
        store = await open_store(tmp_path / "db.sqlite3")
        async with store.transaction():
            await store.set_language(1, "de")
        assert False, "deliberately"
""")


def test_a_failed_test_with_an_open_store_still_ends_the_run(tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(FAILING, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-o", "asyncio_mode=auto", str(probe)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deliberately" in result.stdout and "1 failed" in result.stdout
