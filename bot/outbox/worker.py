"""Deliver the outbox within Telegram's limits, and survive anything on the way.

Limits (see shared/telegram-facts.md): about 30 messages a second overall and one a second
per chat. Behind a transport that paces every message the bot sends (the Telegram adapter's
`SendGate`, which also counts replies and edits), the worker is built with `rate=None` and
does not count the overall rate itself, so no message is counted twice; it still starts one
message per chat a second, so that a row for a busy chat does not hold one of its slots while
another chat's row could go. A 429 pauses all sending for `retry_after`; network errors retry
with backoff; a user who blocked the bot is marked and gets nothing more.

Exactly once: a worker reads only committed rows and claims each (state `sending`, with the
attempt's token) in a committed statement before the HTTP call, so two workers on one
database never send the same row. A row claimed by a worker that died goes back to pending
when the next bot takes the database's lock (the dead one's claims, and any claim older than
an attempt can take); only the message in flight at a crash can then go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import deque
from datetime import timedelta

from bot.kernel.bidi import directed_screen
from bot.kernel.i18n import right_to_left
from bot.outbox.parcels import Compose, Parcel, Rejected, RetryLater, Transient, Transport, Unconfirmed, Unreachable
from bot.storage import Store
from bot.storage.accounts import READER
from bot.storage.members import MemberStore
from bot.storage.outbox import Only, OutboxRow, OutboxStore

log = logging.getLogger(__name__)

RATE = 30.0  # messages per second, all chats together
CHAT_INTERVAL = 1.0  # seconds between two messages to the same chat
# Telegram counts messages as they arrive, we as we start them: a message may take longer on
# its way than the one after it. No more than RATE are started in any window this much longer
# than a second, so that none arrives as the 31st within one (each 429 stops all sending for
# a second: measured, it halved the rate).
WINDOW = 1.03
MAX_ATTEMPTS = 30
MAX_BACKOFF = 300.0
ATTEMPT_SECONDS = 120.0  # one delivery never takes longer (the transport's timeouts are far shorter)


class OutboxWorker:
    def __init__(self, store: Store, transport: Transport, compose: Compose, *, rate: float | None = RATE,
                 chat_interval: float = CHAT_INTERVAL, poll_seconds: float = 2.0,
                 max_in_flight: int = 16, holder: str | None = None, only: Only | None = None) -> None:
        """`holder`: whose claims these are (the lease holder; a random id otherwise);
        `only`: the rows this worker may send (the console: its own user's); `rate`: messages a
        second, or None when the transport paces them (the shared gate)."""
        self.holder = holder or uuid.uuid4().hex
        self.only = only
        self.store = store
        self.outbox = OutboxStore(store)
        self.members = MemberStore(store)
        self.transport = transport
        self.compose = compose
        self.interval = 1.0 / rate if rate else 0.0
        self.per_window = max(1, int(rate)) if rate else 0
        self._started: deque[float] = deque(maxlen=self.per_window)
        self.chat_interval = chat_interval
        self.poll_seconds = poll_seconds
        self._slots = asyncio.Semaphore(max_in_flight)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_slot = 0.0
        self._chat_free: dict[int, float] = {}
        self._paused_until = 0.0
        self._stopping = False
        self.sent = 0
        self.retry_afters = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Until `stop()`; failures of one round are logged and the next round goes on. The
        store's doorbell wakes it whenever a unit of work that queued a message commits."""
        self.store.doorbell.append(self.wake)
        try:
            while not self._stopping:
                try:
                    waited = await self._round()
                except Exception:
                    log.exception("outbox round failed")
                    waited = False
                if not waited:
                    await self._sleep(self.poll_seconds)
            await self._finish_in_flight()
        finally:
            self.store.doorbell.remove(self.wake)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def drain(self, limit_seconds: float = 30.0, horizon: float = 0.0) -> None:
        """Send everything due now, or within `horizon` seconds (retries waiting for their
        backoff); for tests and the console."""
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            started = await self._round()
            await self._finish_in_flight()
            if not await self.outbox.due(limit=1, within=horizon, only=self.only):
                return
            if not started:
                await asyncio.sleep(0.05)
        raise TimeoutError("outbox not drained")

    async def _round(self) -> bool:
        """Start sending what is due; True when it already waited (so the loop need not poll)."""
        due = await self.outbox.due(only=self.only)
        if not due:
            return False
        started = 0
        waiting_for_chat: list[float] = []
        for row in due:
            if self._stopping:
                break
            if started and self._wake.is_set():  # something new was queued: it may go before the rest
                self._wake.clear()
                break
            now = time.monotonic()
            if self._paused_until > now:
                await asyncio.sleep(self._paused_until - now)
                now = time.monotonic()
            free_at = self._chat_free.get(row.chat_id, 0.0)
            if free_at > now:
                waiting_for_chat.append(free_at)
                continue
            if self.per_window:  # no more than `rate` a second; otherwise the transport paces
                self._next_slot = max(self._next_slot + self.interval, now)
                if len(self._started) == self.per_window:
                    self._next_slot = max(self._next_slot, self._started[0] + WINDOW)
                if self._next_slot > now:
                    await asyncio.sleep(self._next_slot - now)
            await self._slots.acquire()
            token = f"{self.holder}:{uuid.uuid4().hex[:12]}"
            try:
                claimed = await self.outbox.claim(row.id, token)
            except BaseException:
                self._slots.release()
                raise
            if not claimed:  # another worker took it meanwhile
                self._slots.release()
                continue
            self._started.append(time.monotonic())
            self._chat_free[row.chat_id] = time.monotonic() + self.chat_interval
            task = asyncio.create_task(self._deliver(row, token))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        if started == 0 and waiting_for_chat:
            await self._sleep(max(0.0, min(waiting_for_chat) - time.monotonic()))
            return True
        return started > 0

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _with_file(self, row: OutboxRow) -> OutboxRow:
        """A document kept beside its row (an export): its content, read only now."""
        if not row.payload.get("stored"):
            return row
        content = await self.outbox.file(row.id)
        if content is None:
            return row.model_copy(update={"payload": {"type": "gone"}})
        return row.model_copy(update={"payload": {**row.payload, "content": content}})

    async def _for_reader(self, row: OutboxRow, parcel: Parcel | None) -> Parcel | None:
        """A screen for a reader of a right-to-left language, laid out for them (`bidi`): the
        same pass as for replies, whoever composed or stored the screen."""
        if parcel is None or parcel.screen is None or row.user_id is None:
            return parcel
        user = await self.store.user(row.user_id)
        if user is None or not right_to_left(user.language):
            return parcel
        return parcel.model_copy(update={"screen": directed_screen(parcel.screen)})

    async def _recipients(self, row: OutboxRow) -> list[int]:
        """The chats a row goes to: a message to an association (its chat is the association's
        key) reaches every member Telegram still delivers to, each once; any other row its chat.
        An association with no member row (written before members existed) is its own chat."""
        if row.user_id is None or row.chat_id != row.user_id or row.payload.get("member") is not None:
            return [row.chat_id]  # not to the association, or a reply to the member who acted
        members = await self.members.members(row.user_id)
        if not members:
            return [row.chat_id]
        return [m.chat_id for m in members if m.blocked_at is None] or [members[0].chat_id]

    async def _draw(self, row: OutboxRow, chat_id: int) -> Parcel | None:
        """The row's message as this member reads it (in their language)."""
        reader = READER.set(chat_id)
        try:
            return await self._for_reader(row, await self.compose(await self._with_file(row)))
        finally:
            READER.reset(reader)

    async def _finish_in_flight(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, row: OutboxRow, token: str) -> None:
        try:
            if await self.outbox.stale(row.payload):  # a report built before an erasure: never sent, not kept
                log.info("outbox message %s withheld: built before an erasure", row.id)
                async with self.store.transaction():
                    await self.outbox.withhold(row.id, token)
                return
            chats = await self._recipients(row)
            several = len(chats) > 1
            done = await self.members.delivered(row.id) if several else set()
            for chat_id in chats:
                if chat_id in done:
                    continue
                parcel = await self._draw(row, chat_id)
                if parcel is None:
                    async with self.store.transaction():
                        await self.outbox.finish(row.id, "dropped", "no longer relevant", token)
                    return
                if not await self._send(row, chat_id, parcel, token, several):
                    return
                if several:  # each member once, also when a later one makes the row wait
                    async with self.store.transaction():
                        await self.members.mark_delivered(row.id, chat_id)
            async with self.store.transaction():
                await self.outbox.mark_sent(row.id, token)
            self.sent += 1
        except Exception:
            log.exception("outbox message %s: unexpected error", row.id)
            try:
                await self._backoff(row, "unexpected error", token)
            except Exception as exc:  # e.g. this process may no longer write: its claim stays
                log.error("outbox message %s: could not record the error either: %s", row.id, exc)
        finally:
            self._slots.release()

    async def _send(self, row: OutboxRow, chat_id: int, parcel: Parcel, token: str, several: bool) -> bool:
        """One chat's copy; False when the row is settled (or waits) without going on."""
        try:
            await asyncio.wait_for(self.transport.send(chat_id, parcel), ATTEMPT_SECONDS)
        except RetryLater as exc:
            self.retry_afters += 1
            pause = time.monotonic() + exc.seconds
            self._paused_until = max(self._paused_until, pause)
            self._chat_free[row.chat_id] = max(self._chat_free.get(row.chat_id, 0.0), pause)
            log.warning("Telegram asks to wait %s s", exc.seconds)
            async with self.store.transaction():  # pending and due: sent again after the pause
                await self.outbox.retry_later(row.id, self.store.now(), "retry after", False, token)
            return False
        except Unreachable as exc:
            if several:  # this member blocked the bot: the others still get it
                log.info("a member's chat is unreachable (%s); the others get the message", exc)
                async with self.store.transaction():
                    await self.store.set_member_blocked(chat_id, True)
                return True
            await self._unreachable(row, str(exc), token)
            return False
        except Transient as exc:
            await self._backoff(row, str(exc), token)
            return False
        except Rejected as exc:
            log.error("outbox message %s refused: %s", row.id, exc)
            async with self.store.transaction():
                await self.outbox.finish(row.id, "failed", str(exc)[:300], token)
            return False
        except (Unconfirmed, TimeoutError) as exc:
            log.warning("outbox message %s: no answer from Telegram (%s); taken as sent", row.id,
                        exc or "no answer in time")
        return True

    async def _backoff(self, row: OutboxRow, error: str, token: str) -> None:
        attempts = row.attempts + 1
        async with self.store.transaction():
            if attempts >= MAX_ATTEMPTS:
                log.error("outbox message %s given up after %d attempts: %s", row.id, attempts, error)
                await self.outbox.finish(row.id, "failed", error[:300], token)
                return
            delay = min(MAX_BACKOFF, 2.0 ** attempts) * random.uniform(0.5, 1.0)
            await self.outbox.retry_later(row.id, self.store.now() + timedelta(seconds=delay), error, token=token)

    async def _unreachable(self, row: OutboxRow, error: str, token: str) -> None:
        log.info("chat %s unreachable (%s); its messages are dropped", row.chat_id, error)
        async with self.store.transaction():
            await self.outbox.finish(row.id, "dropped", error[:300], token)
            if row.user_id is not None:
                await self.store.set_blocked(row.user_id, True)
                await self.outbox.drop_pending(row.user_id, "user unreachable")
