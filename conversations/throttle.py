"""Many users at once, each in order, and no one user able to swamp the bot.

`UserOrderedProcessor` lets python-telegram-bot handle different users' updates side by side
(a slow reply or Telegram's "retry after" for one chat holds up nobody else) while one user's
updates still run one after another, in the order they came: two quick taps can never
overtake each other. Before an update waits for its turn, a `Throttle` (a token bucket per
user) decides whether it is handled at all, so a flood costs almost nothing: the first update
over the limit gets one polite notice, and until the user pauses long enough for the bucket
to fill up again, only about one update a second is read and the rest are dropped quietly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

BURST = 10  # updates a user may send at once (ticking several options quickly, say)
RATE = 1.0  # updates per second after that: about what Telegram lets the bot answer per chat


class Verdict(Enum):
    ADMIT = "admit"
    WARN = "warn"  # the first refused update: tell the user once
    DROP = "drop"


class Throttle:
    def __init__(self, burst: float = BURST, rate: float = RATE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.rate, self.clock = burst, rate, clock
        self._buckets: dict[int, tuple[float, float, bool]] = {}  # tokens, at, warned
        self._checks = 0

    def admit(self, key: int) -> Verdict:
        now = self.clock()
        tokens, at, warned = self._buckets.get(key, (self.burst, now, False))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= self.burst:
            warned = False  # quiet long enough for a full bucket: a new flood gets a new notice
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now, warned)
            verdict = Verdict.ADMIT
        else:
            self._buckets[key] = (tokens, now, True)
            verdict = Verdict.DROP if warned else Verdict.WARN
        self._checks += 1
        if self._checks % 10_000 == 0:
            self._forget_idle(now)
        return verdict

    def _forget_idle(self, now: float) -> None:
        """A user whose bucket would be full again is the same as one never seen."""
        idle = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < idle}


def sender_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


Notice = Callable[[Update], Awaitable[None]]
Done = Callable[[object], Awaitable[None]]


class UserOrderedProcessor(BaseUpdateProcessor):
    """`on_done`: after each update, handled or refused (the inbox marks it handled);
    `on_throttled`: the polite notice to the first refused update of a flood."""

    def __init__(self, throttle: Throttle, on_done: Done, on_throttled: Notice,
                 max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self.throttle = throttle
        self.on_done = on_done
        self.on_throttled = on_throttled
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}  # lock, updates holding or waiting

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self._process(update, coroutine)
        await self.on_done(update)  # not reached when the process stops or dies meanwhile

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = sender_of(update)
        if key is None:  # channel posts and the like: nobody's order to keep
            await coroutine
            return
        verdict = self.throttle.admit(key)
        if verdict is not Verdict.ADMIT:
            _close(coroutine)
            assert isinstance(update, Update)
            await self._refuse(update, verdict)
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _refuse(self, update: Update, verdict: Verdict) -> None:
        try:
            if verdict is Verdict.WARN:
                log.info("user %s is sending too fast; throttled", sender_of(update))
                await self.on_throttled(update)
            elif update.callback_query is not None:
                await update.callback_query.answer()  # no spinner left behind
        except Exception:
            log.exception("could not tell a throttled user")

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _close(coroutine: Awaitable[Any]) -> None:
    """The update is not handled: close its coroutine so it is not reported as never awaited."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
