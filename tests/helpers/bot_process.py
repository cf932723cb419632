"""`msobot run` as a real OS process against the stub Bot API: start, SIGKILL, start again.

The process gets a clean environment (no developer MSOBOT_* variables), the stub's URL and
token and the database path; its log (all generations) goes to one file. On Linux the child
also dies with the test process (PR_SET_PDEATHSIG), so even a test runner killed by a CI
timeout leaves no bot behind; `stop()` in a `finally` covers everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.helpers.bot_api_stub import StubBotAPI

START_TIMEOUT = 30.0
CONTROLLER = {"MSOBOT_CONTROLLER": "Stadt Wuppertal, Ressort Zuwanderung und Integration",
              "MSOBOT_CONTROLLER_CONTACT": "Johannes-Rau-Platz 1, 42275 Wuppertal, integration@example.org",
              "MSOBOT_DPO_CONTACT": "datenschutz@example.org"}
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class BotProcess:
    def __init__(self, api: StubBotAPI, database: Path, log: Path,
                 extra_env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()) -> None:
        """`prefix`: what the command runs under (`unshare --pid ...`: another PID namespace)."""
        self.api = api
        self.prefix = prefix
        self.database = database
        self.log = log
        self.extra_env = dict(extra_env or {})
        self.process: asyncio.subprocess.Process | None = None
        self.generation = 0
        self.startup_seconds: list[float] = []

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.returncode is None else None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
        # Scripted phones answer far faster than any person, and the stub enforces no per-chat
        # pace unless a test asks it to: like the `settings` fixture, no second between two
        # messages to one chat (tests/test_one_pacing.py checks the real pace).
        env.update({"MSOBOT_TELEGRAM_TOKEN": self.api.token, "MSOBOT_TELEGRAM_API_URL": self.api.url,
                    "MSOBOT_DATABASE": str(self.database), "MSOBOT_CHAT_INTERVAL": "0",
                    "MSOBOT_WEB_PORT": "0",  # the office's web view: off unless a test asks for it
                    **CONTROLLER, **self.extra_env})
        return env

    async def start(self) -> float:
        """Start `python -m bot run`; return once it long-polls (seconds it took)."""
        assert self.pid is None, "the bot is already running"
        self.generation += 1
        since = len(self.api.calls)
        began = time.monotonic()
        with self.log.open("ab") as output:
            output.write(f"\n===== bot generation {self.generation} =====\n".encode())
            output.flush()
            self.process = await asyncio.create_subprocess_exec(
                *self.prefix, sys.executable, "-m", "bot", "run", env=self.env(), cwd=self.database.parent,
                stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=asyncio.subprocess.STDOUT,
                preexec_fn=_die_with_parent if _libc is not None else None)
        polling = asyncio.ensure_future(self.api.wait_for(
            lambda c: c.method == "getUpdates", since=since, timeout=START_TIMEOUT))
        exited = asyncio.ensure_future(self.process.wait())
        try:
            done, _ = await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (polling, exited):
                task.cancel()
            await asyncio.gather(polling, exited, return_exceptions=True)
        if exited in done:
            raise AssertionError(f"the bot exited with {self.process.returncode} before polling:\n"
                                 + self.log_tail())
        if polling.exception() is not None:
            raise AssertionError(f"the bot did not poll within {START_TIMEOUT:.0f} s:\n" + self.log_tail())
        took = time.monotonic() - began
        self.startup_seconds.append(took)
        return took

    def kill(self) -> bool:
        """SIGKILL, synchronously (no shutdown code runs); False when it was not running."""
        pid = self.pid
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return True

    async def wait_dead(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            await asyncio.wait_for(self.process.wait(), timeout)

    async def stop(self) -> None:
        """Kill and reap; safe to call in any state (use it in `finally`)."""
        if self.process is None:
            return
        self.kill()
        with contextlib.suppress(ProcessLookupError, TimeoutError):
            await self.wait_dead()

    def log_tail(self, lines: int = 40, keep: Callable[[str], bool] = lambda _line: True) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join([line for line in text if keep(line)][-lines:])
