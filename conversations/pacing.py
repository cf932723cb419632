"""One gate for every message the bot sends: replies, edits and the outbox's pushes together
stay within Telegram's limits, and replies go first.

Telegram (see shared/telegram-facts.md) refuses with 429 more than about 30 messages a second
overall, more than about one a second to the same chat and more than 20 a minute to the same
group. `SendGate` is python-telegram-bot's rate limiter (`ApplicationBuilder.rate_limiter`), so
every call the bot makes passes it: a new message or an edit waits here for its turn; tap
answers (`answerCallbackQuery`) and housekeeping (`setMyCommands`, `getMe`) are not messages
and go at once.

- Overall: no two messages start closer than 1/30 s, and no more than 30 start in any window
  of 1.03 s (Telegram counts messages as they arrive, we as they start: the slack keeps a
  message slow on its way from arriving as the 31st).
- Per chat: new messages one a second apart, edits one a second apart (an edit adds no message
  to the chat, so it does not wait for the last new one); in a group both together at most 20
  a minute.
- Replies first: a call the outbox marks `rate_limit_args=BULK` waits behind every reply that
  is waiting for the overall turn, so a queue of pushes never delays an answer by more than
  the one message already started.
- A 429 (`RetryAfter`) holds every message until `retry_after` has passed, then the error goes
  to the caller, who sends the same message again (a reply: `delivery.patiently`) or puts it
  back in the queue (the outbox); it waits here again, behind the pause.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from conversations.delivery import retry_after_seconds

JSONDict = dict[str, Any]
BULK = "bulk"  # rate_limit_args of the outbox's calls: they wait behind replies
NEW_MESSAGES = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendAnimation",
                          "sendAudio", "sendVideo", "sendVoice", "sendSticker", "sendLocation", "sendPoll",
                          "copyMessage", "forwardMessage"})
EDITS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "editMessageMedia"})

RATE = 30.0  # messages a second, all chats together
WINDOW = 1.03  # seconds in which no more than RATE messages start
CHAT_INTERVAL = 1.0  # seconds between two new messages (or two edits) in one chat
GROUP_PER_MINUTE = 20


@dataclass
class Limits:
    rate: float = RATE
    window: float = WINDOW
    chat_interval: float = CHAT_INTERVAL
    group_per_minute: int = GROUP_PER_MINUTE


@dataclass
class _Lane:
    """One chat: when its last new message and its last edit started, its recent group messages."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0
    last: dict[bool, float] = field(default_factory=dict)  # is an edit -> start
    minute: deque[float] = field(default_factory=deque)


class SendGate(BaseRateLimiter[str]):
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._interval = 1.0 / self.limits.rate
        self._started: deque[float] = deque(maxlen=max(1, int(self.limits.rate)))
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # priority, order, turn
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._lanes: dict[int | str, _Lane] = {}
        self.paused_until = 0.0
        self.sent = 0
        self.retry_afters = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._timer is not None and not self._waiting:
            self._timer.cancel()
            self._timer = None

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | JSONDict | list[JSONDict]:
        edit = endpoint in EDITS
        if not edit and endpoint not in NEW_MESSAGES:
            return await callback(*args, **kwargs)
        await self._turn(data.get("chat_id"), edit, 1 if rate_limit_args == BULK else 0)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.retry_afters += 1
            self.pause(retry_after_seconds(exc))
            raise

    def pause(self, seconds: float) -> None:
        """Telegram said "too many requests": nothing more goes out for `seconds`."""
        self.paused_until = max(self.paused_until, self.now() + seconds)

    async def _turn(self, chat: object, edit: bool, priority: int) -> None:
        """Wait for the chat's turn, then the overall one; the chat's turn is held meanwhile, so
        its messages start in the order they came and never closer than the chat allows."""
        if not isinstance(chat, int | str):  # an inline message: no chat to pace
            await self._overall(priority)
            return
        lane = self._lanes.setdefault(chat, _Lane())
        lane.users += 1
        try:
            async with lane.lock:
                await self._sleep_until(self._chat_free_at(lane, edit, _is_group(chat)))
                await self._overall(priority)
                started = self.now()
                lane.last[edit] = started
                if _is_group(chat):
                    lane.minute.append(started)
        finally:
            lane.users -= 1
        if self.sent % 10_000 == 0:
            self._forget_idle()

    def _forget_idle(self) -> None:
        """A chat nobody waits for and nothing sent to for a minute is the same as one never seen."""
        old = self.now() - 60.0
        self._lanes = {chat: lane for chat, lane in self._lanes.items()
                       if lane.users or max(lane.last.values(), default=old) > old}

    def _chat_free_at(self, lane: _Lane, edit: bool, group: bool) -> float:
        at = lane.last.get(edit, float("-inf")) + self.limits.chat_interval
        if group:
            while lane.minute and lane.minute[0] <= self.now() - 60.0:
                lane.minute.popleft()
            if len(lane.minute) >= self.limits.group_per_minute:
                at = max(at, lane.minute[0] + 60.0)
        return at

    async def _sleep_until(self, at: float) -> None:
        if (left := at - self.now()) > 0:
            await asyncio.sleep(left)

    async def _overall(self, priority: int) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), turn))
        self._pump()
        await turn  # cancelled while waiting: the pump skips it

    def _pump(self) -> None:
        """Hand out turns, best priority first, as fast as the overall limit and a pause allow."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting:
            turn = self._waiting[0][2]
            if turn.done():
                heapq.heappop(self._waiting)
                continue
            now = self.now()
            at = self._next_start()
            if at > now:
                self._timer = asyncio.get_running_loop().call_later(at - now, self._pump)
                return
            heapq.heappop(self._waiting)
            self._started.append(now)
            self.sent += 1
            turn.set_result(None)

    def _next_start(self) -> float:
        at = max(self.paused_until, self._started[-1] + self._interval if self._started else float("-inf"))
        if len(self._started) == self._started.maxlen:
            at = max(at, self._started[0] + self.limits.window)
        return at


def _is_group(chat: int | str) -> bool:
    """Groups and channels have negative ids (or an @username)."""
    return isinstance(chat, str) or chat < 0
