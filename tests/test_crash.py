"""Crash test: the bot process is SIGKILLed at random points of scripted conversations.

`msobot run` (`python -m bot run`) runs as a real OS process, long-polling the stub Bot API
that lives in this test's event loop. Six board members in six languages fill in the
questionnaire at the same time, each deciding every step from the last screen the bot showed
(taps, typed answers, ticks, one Back, one change from the summary, skips; two of them stop
half-way). A seeded random generator picks the kill points and how each kill lands:

- ``reply-lost``: as the bot sends the reply (next question, or the edit of the tapped
  message) of an answer it has committed; the request never reaches Telegram.
- ``reply-unseen``: Telegram delivers that reply but the bot dies before reading the answer
  (it never learns the new message's id).
- ``redelivery``: like reply-unseen, and the bot's last confirmation of updates is lost too,
  so Telegram delivers updates the bot had already handled once more.
- ``before-commit``: the bot has received an update but cannot store it in its inbox (the test
  holds the database's write lock), then dies: received, never stored, so never confirmed to
  Telegram, which delivers it again.
- ``queued``: a user's reply hangs in Telegram, so the /help they send next is stored in the
  inbox and waits behind it (their turn); then the test locks the database and lets the reply
  go, so the /help's handler waits inside for the lock; the bot dies there. After the restart
  the inbox hands the /help over again and it is answered once.
- ``unfetched``: getUpdates hands out updates; the bot dies before it can read them.
- ``random``: a random moment up to 120 ms after a user's action.

After each kill the bot is started again on the same database; the test sends /help (which
changes nothing) as every user as a barrier: once it is answered, every earlier update of that
user has been handled or is lost for good (the bot keeps each user's updates in order). A user
whose reply never came taps the same button again if it is still there, or sends /start, as a
person would. At the end the test checks, from the SQLite file: every answer the bot confirmed
(it showed the next screen after it) is stored with the right value, and nothing the user never
sent; one row per (submission, question) and one submission per user; exactly one answer event
per committed update that carried an answer; and a final /start shows every user exactly the next
open question (or the completion message) that the questionnaire engine computes from the stored
answers; and every update the users sent has been handled (the inbox loses none). From the stub it
checks that no update handled before a kill made the bot send or edit
anything when Telegram delivered it again, that no /help was answered twice, and that no message
in the chat history shows the answer to another question than the one it asked.

CI runs six kill points with a fixed seed (before-commit, reply-lost and queued always, then three
of the other kinds), in about 11 s; a restart of the bot process takes about 1 s. The full run
(about 40 s), and other seeds:

    CRASH_POINTS=25 .venv/bin/pytest tests/test_crash.py -s
    CRASH_POINTS=25 CRASH_SEED=7 .venv/bin/pytest tests/test_crash.py -s

(``MSOBOT_CRASH_POINTS`` and ``MSOBOT_CRASH_SEED`` work too; they are read when this module is
imported, before the test fixtures clear all ``MSOBOT_*`` variables.)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.i18n import Catalogs
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.survey.screens import Screens
from tests.helpers.bot_api_stub import QUERY_WINDOW
from tests.helpers.bot_process import BotProcess
from tests.helpers.crash_stub import Trap, TrappingBotAPI
from tests.helpers.scripted_user import Plan, ScriptedUser, View, shows_help


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name) or os.environ.get("MSOBOT_" + name)
    return int(value) if value else default


POINTS = _setting("CRASH_POINTS", 6)
SEED = _setting("CRASH_SEED", 20261125)
MODES = ("reply-lost", "before-commit", "queued", "reply-unseen", "redelivery", "unfetched", "random")
FIRST = 3  # these come first, in a random order: the commit hit from either side, and the queue
BARRIER_TIMEOUT = 20.0
HANDLED = "SELECT update_id FROM inbox WHERE handled_at IS NOT NULL"
BOT_ENV = {"MSOBOT_THROTTLE_BURST": "100000",  # scripted phones tap far faster than people
           "MSOBOT_LOG_LEVEL": "INFO"}

PLANS: dict[int, Plan] = {
    7001: Plan("de", {
        "org_name": "Kulturverein Vohwinkel e.V.", "communities": ["turkish", "kurdish"],
        "district": "vohwinkel", "members": "m31_100", "status": "ev", "founded": 1998, "role": "chair",
        "need_pr": "urgent", "need_pr_details": ["press", "social"], "need_projects": "some",
        "need_bookkeeping": "big", "need_bookkeeping_details": ["cashbook", "receipts"],
        "need_funding": "some", "contact_professionals": "yes", "professional_orgs": ["welfare", "kiz"],
        "professional_topics": ["bookkeeping", "funding"], "network_msos": "no", "strengths": None,
        "formats": ["workshop", "online"], "times": ["evenings"], "workshop_languages": ["de", "tr"],
        "comments": "Danke für die Umfrage!"}, back_at="status"),
    7002: Plan("tr", {
        "org_name": "Türk Kültür Derneği", "communities": ["turkish", "other"],
        "communities_other": "Roman ve Sinti", "district": "barmen", "members": "m11_30",
        "status": "unregistered", "founded": None, "role": "treasurer", "need_pr": "some",
        "need_law": "big", "need_law_details": ["charitable"], "contact_professionals": "no",
        "network_msos": "yes", "peer_contact": "@turkkultur", "strengths": None, "formats": ["coaching"],
        "times": ["weekends", "daytime"], "workshop_languages": ["tr"], "comments": None},
        change=("district", "oberbarmen")),
    7003: Plan("ar", {
        "org_name": "جمعية الجالية العربية في فوبرتال", "communities": ["arabic"], "district": "elberfeld",
        "members": "m1_10", "status": "founding", "role": "secretary", "need_funding": "urgent",
        "need_funding_details": ["find", "write"], "need_rooms": "big", "need_rooms_details": ["meetings"],
        "contact_professionals": "yes", "professional_orgs": ["vhs"], "professional_topics": ["funding"],
        "network_msos": "no", "strengths": ["projects"], "formats": ["guide"], "times": ["evenings"],
        "workshop_languages": ["de", "ar"], "comments": "شكرا جزيلا"}),
    7004: Plan("uk", {
        "org_name": "Українська громада Вупперталь", "communities": ["russian", "ukrainian"],
        "district": "langerfeld", "members": "m101_300", "status": "ev", "founded": 2022, "role": "board",
        "need_projects": "big", "need_projects_details": ["idea", "budget"],
        "need_bookkeeping": "some"}, stop_at="contact_professionals"),
    7005: Plan("fa", {
        "org_name": "انجمن فرهنگی ایرانیان", "communities": ["persian"], "district": "cronenberg",
        "members": "m300plus", "status": "ev", "founded": 1985, "role": "member", "need_pr": "some",
        "need_digital": "urgent", "need_digital_details": ["office", "security"],
        "contact_professionals": "no", "network_msos": "no", "strengths": None,
        "formats": ["online", "coaching"], "times": ["weekends"], "workshop_languages": ["de", "en", "fa"],
        "comments": None}, back_at="need_digital"),
    7006: Plan("ru", {
        "org_name": "Русский культурный центр", "communities": ["russian", "balkan"], "district": "ronsdorf",
        "members": "m11_30"}, stop_at="status"),
}


@dataclass
class KillPoint:
    number: int
    mode: str
    at: int  # kill once the users have sent this many updates
    skip: int  # reply modes: let this many matching calls through first
    delay: float  # random: seconds after the update; before-commit: seconds blocked on the lock
    method: str  # reply-lost: the call that is lost


@dataclass
class KillRecord:
    point: KillPoint
    pushes: int
    pending: dict[int, int]  # user -> update id in flight (sent, reply not seen) at the kill
    trap_call: str = ""
    committed: list[int] = field(default_factory=list)  # in flight and committed
    uncommitted: list[int] = field(default_factory=list)  # in flight, received, not committed
    unreceived: list[int] = field(default_factory=list)
    rolled_back: tuple[int, int] | None = None
    startup: float = 0.0
    redelivered_handled: int = 0  # updates handled before the kill and delivered again
    quiet_chats: int = 0  # chats whose re-delivered updates were all handled: must stay quiet
    queued: int | None = None  # queued: the /help stored in the inbox and waiting at the kill

    def describe(self) -> str:
        p = self.point
        return (f"kill {p.number} [{p.mode}{' ' + p.method if p.mode == 'reply-lost' else ''}] after "
                f"{self.pushes} updates {self.trap_call}: committed {self.committed}, received only "
                f"{self.uncommitted}, not received {self.unreceived}"
                + (f", confirmations rolled back {self.rolled_back[0]}→{self.rolled_back[1]}"
                   if self.rolled_back else "")
                + (f", /help {self.queued} waiting in the inbox" if self.queued is not None else "")
                + f"; {self.redelivered_handled} handled updates delivered again (to {self.quiet_chats} chats,"
                f" which stayed quiet); restart {self.startup:.2f} s")


def kill_plan(rng: random.Random, points: int, steps: int) -> list[KillPoint]:
    """Every mode once (those that hit the commit from either side and the queue first), then
    at random."""
    modes = rng.sample(MODES[:FIRST], FIRST) + rng.sample(MODES[FIRST:], len(MODES) - FIRST)
    modes = (modes + [rng.choice(MODES) for _ in range(points)])[:points]
    last = max(int(steps * 0.85), points + 8)
    ats = sorted(rng.sample(range(4, last), points))
    return [KillPoint(i + 1, mode, at, skip=rng.randint(0, 2),
                      delay=rng.uniform(0.0, 0.12) if mode == "random" else rng.uniform(0.03, 0.25),
                      method=rng.choice(["sendMessage", "sendMessage", "editMessageText"]))
            for i, (mode, at) in enumerate(zip(modes, ats, strict=True))]


def _read(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        return list(db.execute(sql, params))


class Crasher:
    """Starts the bot, kills it at the planned points, restarts it and waits until it caught up."""

    def __init__(self, api: TrappingBotAPI, bot: BotProcess, database: Path, rng: random.Random,
                 plan: list[KillPoint]) -> None:
        self.api, self.bot, self.database, self.rng, self.plan = api, bot, database, rng, plan
        self.users: list[ScriptedUser] = []
        self.generation = 0
        self.up = asyncio.Event()
        self.killed = asyncio.Event()
        self.pushes = 0
        self.records: list[KillRecord] = []
        self.helps: Counter[int] = Counter()
        self.start_offset = 0
        self.lock: sqlite3.Connection | None = None

    # -- the users' side (scripted_user.Control) -------------------------------------------------

    async def ready(self) -> int:
        await self.up.wait()
        return self.generation

    def pushed(self, user: ScriptedUser, update_id: int) -> None:
        self.pushes += 1

    def all_done(self) -> bool:
        return all(u.done for u in self.users)

    # -- running -----------------------------------------------------------------------------------

    async def start(self) -> float:
        self.start_offset = self.api.confirmed_offset
        took = await self.bot.start()
        self.up.set()
        await self.api.wake()
        return took

    async def run(self) -> None:
        for point in self.plan:
            def due(at: int = point.at) -> bool | None:
                return True if self.pushes >= at or self.all_done() else None

            await self.api.until(due, 120, f"{point.at} updates from the users")
            if self.all_done():
                return
            record = await self.strike(point)
            if record is None:
                return
            await self.recover(record)

    def kill(self, point: KillPoint, trap: Trap | None = None) -> None:
        """SIGKILL now (synchronously, also from inside the stub's request handler)."""
        if not self.bot.kill():
            return
        # A restart takes longer than Telegram waits for a tap's answer: every tap the next
        # generation replays meets "query is too old", and its work is done all the same.
        self.api.advance(QUERY_WINDOW)
        self.generation += 1
        self.up.clear()
        pending = {u.user_id: u.pending for u in self.users if u.pending is not None}
        record = KillRecord(point, self.pushes, pending)
        if trap is not None and trap.fired is not None:
            chat = trap.fired.params.get("chat_id")
            record.trap_call = f"at {trap.fired.method}" + (f" to {chat}" if chat else "")
        self.records.append(record)
        self.killed.set()

    async def strike(self, point: KillPoint) -> KillRecord | None:
        self.killed.clear()
        pending_chat = self._pending_chat
        if point.mode in ("reply-lost", "reply-unseen", "redelivery"):
            before = point.mode == "reply-lost"
            methods = frozenset({point.method if before else "sendMessage"})
            self.api.trap = Trap(methods, before=before, chat=pending_chat, skip=point.skip)
            self.api.on_trap = lambda trap: self.kill(point, trap)
        elif point.mode == "queued":
            await self._queue_and_kill(point)
        elif point.mode == "unfetched":
            self.api.trap = Trap(frozenset({"getUpdates"}), fetch=True)
            self.api.on_trap = lambda trap: self.kill(point, trap)
        elif point.mode == "before-commit":
            # Users hold back for a moment: a busy bot would starve the lock's busy handler.
            self.up.clear()
            lock = self.lock = await asyncio.to_thread(_hold_write_lock, self.database)
            self.up.set()
            await self.api.wake()
            committed = {row[0] for row in await asyncio.to_thread(lambda: list(lock.execute(HANDLED)))}

            def stuck() -> bool | None:  # an update the bot received and cannot commit now
                return True if self.all_done() or any(
                    u.pending in self.api.delivered and u.pending not in committed
                    for u in self.users if u.pending is not None) else None

            await self.api.until(stuck, 10, "an update reaching the locked bot")
            if not self.all_done():
                await asyncio.sleep(point.delay)  # the bot waits for the lock (busy_timeout 5 s)
                self.kill(point)
        else:
            await asyncio.sleep(point.delay)
            self.kill(point)
        while not self.killed.is_set() and not self.all_done():
            try:
                await asyncio.wait_for(self.killed.wait(), 0.2)
            except TimeoutError:
                continue
        self.api.trap = None
        if not self.killed.is_set():
            self._release_lock()
            return None
        await self.api.wake()
        return self.records[-1]

    async def _queue_and_kill(self, point: KillPoint) -> None:
        """A reply hangs; the user's /help is stored and waits its turn; the database is
        locked and the reply let go, so the /help's handler waits inside; then the kill."""
        self.api.hold({u.user_id for u in self.users})
        try:
            def stuck() -> ScriptedUser | bool | None:  # a user whose reply hangs after its commit
                if self.all_done():
                    return True
                return next((u for u in self.users if u.user_id in self.api.waiting_at_gate), None)

            user = await self.api.until(stuck, 10, "a reply hanging in Telegram")
            if not isinstance(user, ScriptedUser):
                return
            help_id = await self.api.send_message(user.user, "/help")
            self.helps[user.user_id] += 1

            def stored() -> bool | None:
                return True if _read(self.database, "SELECT 1 FROM inbox WHERE update_id = ?", help_id) else None

            await self.api.until(stored, 10, f"/help {help_id} stored in the inbox")
            self.lock = await asyncio.to_thread(_hold_write_lock, self.database)
        finally:
            await self.api.let_go()
        await asyncio.sleep(point.delay)  # the reply goes; the /help's handler waits for the lock
        self.kill(point)
        if self.records and self.records[-1].point is point:
            self.records[-1].queued = help_id

    def _pending_chat(self, chat_id: int) -> bool:
        return any(u.user_id == chat_id and u.pending is not None for u in self.users)

    def _release_lock(self) -> None:
        if self.lock is not None:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = None

    async def recover(self, record: KillRecord) -> None:
        await self.bot.wait_dead()
        self._release_lock()
        processed = {row[0] for row in await asyncio.to_thread(
            _read, self.database, HANDLED)}
        if record.queued is not None:  # it waited, stored, and was not handled when the bot died
            assert record.queued not in processed, record.describe()
        for update_id in record.pending.values():
            if update_id in processed:
                record.committed.append(update_id)
            elif update_id in self.api.delivered:
                record.uncommitted.append(update_id)
            else:
                record.unreceived.append(update_id)
        if record.point.mode == "redelivery":
            # Telegram never got the bot's last confirmations: it delivers those updates again.
            # Only confirmations the killed process made can be lost this way.
            # From (a little before) the update whose reply was cut: it comes again, handled.
            newest = min(record.committed) if record.committed else self.api.confirmed_offset - 1
            target = max(self.start_offset, newest - self.rng.randint(0, 4))
            if target < self.api.confirmed_offset:
                record.rolled_back = (self.api.confirmed_offset, target)
                self.api.confirmed_offset = target
        restart_index = len(self.api.calls)
        offset = self.api.confirmed_offset
        self.start_offset = offset
        record.startup = await self.bot.start()
        # Barrier: a /help from every user; per-user order means that once it is answered,
        # everything that user sent before has been handled (or was lost for good).
        await asyncio.gather(*(self._barrier(u, record, processed, restart_index, offset) for u in self.users))
        self.up.set()
        await self.api.wake()

    async def _barrier(self, user: ScriptedUser, record: KillRecord, processed: set[int],
                       restart_index: int, offset: int) -> None:
        help_index, help_id = await self.ask_help(user)
        earlier = [u for u in range(offset, help_id) if self.api.sender(u) == user.user_id]
        if not earlier or not set(earlier) <= processed:
            return  # some of them were never handled: their replies come now, rightly
        record.quiet_chats += 1
        record.redelivered_handled += len(earlier)
        calls = self.api.chat_calls(user.user_id, restart_index, help_index + 1)
        extra = [(c.method, str(c.params.get("text", ""))[:50]) for c in calls if not
                 shows_help(str(c.params.get("text", ""))) or c.method != "sendMessage"]
        assert not extra, (f"{record.describe()}: updates {earlier} of user {user.user_id} were handled "
                           f"before the kill, yet their re-delivery made the bot call {extra}")
        assert len(calls) == 1, f"{record.describe()}: {len(calls)} help messages for one /help"

    async def ask_help(self, user: ScriptedUser) -> tuple[int, int]:
        """Send /help as `user`; the index of the bot's answer in the calls, and the update id."""
        since = len(self.api.calls)
        update_id = await self.api.send_message(user.user, "/help")
        self.helps[user.user_id] += 1
        call = await self.api.wait_for(
            lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == user.user_id
            and shows_help(str(c.params["text"])), since=since, timeout=BARRIER_TIMEOUT)
        return next(i for i in range(since, len(self.api.calls)) if self.api.calls[i] is call), update_id


def _hold_write_lock(database: Path) -> sqlite3.Connection:
    db = sqlite3.connect(database, timeout=10, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")
    return db


def _stored(database: Path, user_id: int) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    submissions = _read(database, "SELECT id, completed_at FROM submissions WHERE user_id = ?", user_id)
    answers = {q: json.loads(v) for q, v in _read(
        database, "SELECT a.question_id, a.value FROM answers a JOIN submissions s ON s.id = a.submission_id "
        "WHERE s.user_id = ?", user_id)}
    return submissions, answers


@pytest.mark.slow
async def test_killed_at_random_points_the_bot_loses_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    catalogs = Catalogs()
    engine = Engine(load())
    database, log = tmp_path / "msobot.sqlite3", tmp_path / "bot.log"
    api = TrappingBotAPI()
    await api.start()
    bot = BotProcess(api, database, log, extra_env=BOT_ENV)
    steps = sum(p.steps(engine) for p in PLANS.values())
    plan = kill_plan(rng, POINTS, steps)
    crasher = Crasher(api, bot, database, rng, plan)
    users = [ScriptedUser(api, engine, Screens(catalogs.translator(p.language), engine, catalogs), uid, p, crasher,
                          rng=random.Random(f"{SEED}/{uid}")) for uid, p in PLANS.items()]
    crasher.users = users
    began = time.monotonic()
    report: list[str] = [f"seed {SEED}, {POINTS} kill points over about {steps} updates"]
    try:
        async with asyncio.timeout(90 + 8 * POINTS):
            report.append(f"first start {await crasher.start():.2f} s")
            tasks = [asyncio.create_task(play(api, u), name=f"user {u.user_id}") for u in users]
            tasks.append(asyncio.create_task(crasher.run(), name="crasher"))
            try:
                waiting: set[asyncio.Task[None]] = set(tasks)
                while waiting:  # the first failure ends the run (users would wait for it forever)
                    done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_EXCEPTION)
                    for task in done:
                        task.result()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            conversation = time.monotonic() - began
            stored = {u.user_id: _stored(database, u.user_id) for u in users}
            for user in users:
                await final_start(crasher, user, engine, *stored[user.user_id])
    except BaseException:
        print("\n".join([*report, *(r.describe() for r in crasher.records)]))
        for user in users:
            print(f"user {user.user_id}: done {user.done}, last steps {user.history[-6:]}")
        print("bot log (tail):\n" + bot.log_tail(60, lambda line: "missing" not in line))
        raise
    finally:
        await bot.stop()
        await api.stop()

    # Every kill point was reached, and the kills hit the commit from both sides.
    assert len(crasher.records) == POINTS, f"only {len(crasher.records)} of {POINTS} kill points were reached"
    if POINTS >= 2:
        assert any(r.committed for r in crasher.records), "no kill fell between a commit and its reply"
        assert any(r.uncommitted for r in crasher.records), "no kill fell between receiving and committing"
    if any(r.point.mode == "redelivery" for r in crasher.records):
        assert sum(r.redelivered_handled for r in crasher.records) > 0, "no handled update came again"

    processed = {row[0] for row in _read(database, HANDLED)}
    # The inbox loses nothing: every update the users sent has been handled.
    unhandled = set(range(1, len(api.updates) + 1)) - processed
    assert not unhandled, f"updates never handled: {sorted(unhandled)}"
    report.append(f"{len(api.updates)} updates sent by the users: every one handled, none twice")
    duplicated = _read(database, "SELECT submission_id, question_id, count(*) FROM answers "
                                 "GROUP BY submission_id, question_id HAVING count(*) > 1")
    assert duplicated == []
    # Telegram refused nothing but what a restart makes inevitable: answers to taps it waited
    # for too long, and edits of a message already showing what a replayed tap shows.
    refused = [(m, d) for m, _p, d in api.refused if "too old" not in d and "not modified" not in d]
    assert not refused, refused
    late = sum(1 for m, _p, d in api.refused if "too old" in d)
    report.append(f"{late} tap answers came too late for Telegram after a restart; their work was done")
    for user in users:
        check_user(user, engine, database, processed)

    # The chat history tells the truth: a message that shows an answer ("question ✅ answer")
    # was sent as that question, never as another one.
    for user in users:
        check_history(api, user)

    # No message twice: every /help was answered at most once (the test's own ones exactly once).
    for user in users:
        helps = len([m for m in api.chat(user.user_id) if m.from_bot and shows_help(m.text)])
        own = len(set(user.help_updates) & processed)
        assert crasher.helps[user.user_id] <= helps <= crasher.helps[user.user_id] + own, \
            f"user {user.user_id}: {helps} help messages for {crasher.helps[user.user_id]} + {own} /help"
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and " ERROR " not in text, bot.log_tail(80, lambda line: "missing" not in line)

    startups = bot.startup_seconds
    report.append(f"{len(startups)} starts: mean {sum(startups) / len(startups):.2f} s, max {max(startups):.2f} s; "
                  f"conversations with kills {conversation:.1f} s; total {time.monotonic() - began:.1f} s")
    report.append("replies lost to a kill (of those, tapped again): "
                  + ", ".join(f"{u.user_id}: {u.recoveries} ({u.repeats})" for u in users))
    print("\n" + "\n".join([*report[:2], *(r.describe() for r in crasher.records), *report[2:]]))


async def play(api: TrappingBotAPI, user: ScriptedUser) -> None:
    await user.run()
    await api.wake()  # the crasher stops once every user is done


async def final_start(crasher: Crasher, user: ScriptedUser, engine: Engine,
                      submissions: list[tuple[Any, ...]], answers: dict[str, Any]) -> None:
    """/start shows exactly the next open question the engine computes from the stored answers."""
    api = crasher.api
    expected = engine.next_open(answers)
    completed = bool(submissions) and submissions[0][1] is not None
    await crasher.ask_help(user)  # the rest of the user's last reply has been sent
    mark = user.mark()
    await api.send_message(user.user, "/start")
    help_index, _ = await crasher.ask_help(user)
    shown = user.screens_after(mark)
    sent = [c for c in api.chat_calls(user.user_id, mark.calls, help_index)
            if c.method == "sendMessage"]
    who = f"user {user.user_id} ({user.plan.language}, {user.done})"
    assert len(shown) == 1, f"{who}: /start showed {[v.kind for v in shown]}"
    view: View = shown[0]
    welcome = user.screens.t.gettext("Welcome back! You started on {date}.").split("{")[0]
    others = [str(c.params["text"])[:40] for c in sent if str(c.params["text"]) != view.message.text
              and not str(c.params["text"]).startswith(welcome)]
    assert not others, f"{who}: /start also sent {others}"
    if expected is not None:
        assert (view.kind, view.question) == ("question", expected.id), \
            f"{who}: /start showed {view.kind} {view.question}, the next open question is {expected.id}"
        assert user.screens.unanswered(expected).text in view.message.text
    elif completed:
        assert view.kind == "complete", f"{who}: /start showed {view.kind} after completion"
    else:
        assert view.kind == "summary", f"{who}: /start showed {view.kind} with every question answered"


def check_user(user: ScriptedUser, engine: Engine, database: Path, processed: set[int]) -> None:
    who = f"user {user.user_id} ({user.plan.language})"
    submissions, answers = _stored(database, user.user_id)
    assert len(submissions) == 1, f"{who}: {len(submissions)} submissions"
    # Nothing the bot confirmed is lost or changed; nothing was stored that the user never sent.
    for question, value in user.confirmed.items():
        assert question in answers, f"{who}: the confirmed answer to {question} is lost"
        assert answers[question] == value, f"{who}: {question} is {answers[question]!r}, confirmed {value!r}"
    for question, value in answers.items():
        assert value in user.sent.get(question, []), f"{who}: {question} = {value!r} was never sent"
    visible = {q.id: answers[q.id] for q in engine.visible(answers) if q.id in answers}
    assert visible == user.plan.final(engine), f"{who}: stored answers differ from the plan"
    if user.done == "stopped":
        next_open = engine.next_open(answers)
        assert next_open is not None and next_open.id == user.plan.stop_at
        assert submissions[0][1] is None
    else:
        assert user.done == "completed" and submissions[0][1] is not None, f"{who}: not completed"
    # One answer event per committed update that carried an answer, never two.
    events = Counter(json.loads(data)["question"] for (data,) in _read(
        database, "SELECT data FROM events WHERE kind = 'answer' AND user_id = ?", user.user_id))
    committed = {q: sum(u in processed for u in ids) for q, ids in user.answer_updates.items()}
    assert dict(events) == {q: n for q, n in committed.items() if n}, f"{who}: answer events {dict(events)}, " \
        f"committed answering updates {committed}"
    kinds = Counter(kind for (kind,) in _read(database, "SELECT kind FROM events WHERE user_id = ?", user.user_id))
    assert kinds["consent_given"] == 1 and kinds["submission_started"] == 1, f"{who}: {dict(kinds)}"
    assert kinds["submission_completed"] == (user.done == "completed"), f"{who}: {dict(kinds)}"


def check_history(api: TrappingBotAPI, user: ScriptedUser) -> None:
    sends = [c for c in api.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == user.user_id]
    shown = [m for m in api.chat(user.user_id) if m.from_bot]
    assert len(sends) == len(shown)  # the stub numbers messages in the order it handles them
    for call, message in zip(sends, shown, strict=True):
        asked, mark, _answer = message.text.partition("\n✅ ")
        if mark and asked.strip() not in str(call.params["text"]):
            raise AssertionError(f"user {user.user_id}: message {message.message_id} was sent as "
                                 f"{str(call.params['text'])[-60:]!r} and now shows {message.text[-60:]!r}")
