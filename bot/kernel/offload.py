"""CPU-heavy jobs (the export files, the digest chart) in a process of their own.

In a thread such a job would hold Python's global interpreter lock for seconds, and every
user's reply, which needs the lock for a moment a dozen times, would wait up to five
milliseconds each time: measured, the reply p99 went from 7 ms to almost a second while an
export ran. A job's process starts when it is needed and ends with the job, its memory with it.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")


JOB_NICENESS = 10


def _give_way() -> None:
    """A job gives way to the bot: where cores are few, the users' replies come first."""
    if hasattr(os, "nice"):
        os.nice(JOB_NICENESS)


class Offload:
    """One job at a time, each in a fresh process ("spawn": the bot's threads and open
    database connections are not copied into it). A job is a module-level function whose
    arguments and result can be pickled."""

    def __init__(self, in_process: bool = False) -> None:
        """`in_process`: in a thread instead (tests, and one-off commands nobody else waits on)."""
        self.in_process = in_process
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        if self.in_process:
            return await asyncio.to_thread(job, *args)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             max_tasks_per_child=1, initializer=_give_way)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(job, *args))
        except BrokenProcessPool:
            self.close()  # the process died (killed, out of memory): the next job starts a new one
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
