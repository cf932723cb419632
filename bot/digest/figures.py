"""The numbers behind the weekly digest, computed from the database for one period.

Plain data, no wording: the same figures feed the digest text, the chart, `/stats` and the
tests. Everything is counted "as of" the end of the period, so a digest for a past week can
be recomputed and gives the same counts (except for answers changed after the fact).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from bot.catalog.model import Workshop
from bot.digest.coordination import RequestFigures, covering_partners, proposals_waiting, request_figures
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Matching, QuestionType
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.figures import FigureReads, SubmissionTimes
from bot.storage.suggestions import SuggestionStore
from bot.storage.tasks import TaskStore

WEEK = timedelta(days=7)
ABANDONED_AFTER = timedelta(days=7)  # an unfinished questionnaire untouched this long
COVERAGE_WINDOW = timedelta(weeks=8)  # a need is covered by a workshop starting this soon
BIG = 2  # intensity: big or urgent
FREE_TEXTS = 5
FREE_TEXT_LENGTH = 160


class TopicNeed(BaseModel):
    topic: str  # option id of the topic set
    now: int  # MSOs rating it big or urgent at the end of the period
    before: int  # ... at its start

    @property
    def change(self) -> int:
        return self.now - self.before


class TopicChange(BaseModel):
    """Between an association's answers of the latest round and of the round before."""

    topic: str
    improved: int  # need rated lower than last time
    same: int
    worse: int


class WorkshopInterest(BaseModel):
    id: str
    title: str  # German title: the staff's language for catalog texts
    start: datetime
    interested: int
    capacity: int | None


class FreeText(BaseModel):
    question: str
    text: str
    at: datetime
    language: str | None = None  # the association's language in the bot: what the text is likely written in


class DigestFigures(BaseModel):
    period_start: datetime
    period_end: datetime
    new_msos: int = 0
    started: int = 0
    completed: int = 0
    abandoned: int = 0
    total_msos: int = 0
    total_completed: int = 0
    total_in_progress: int = 0
    total_abandoned: int = 0
    needs: list[TopicNeed] = Field(default_factory=list)  # most MSOs first
    other_needs: int = 0  # MSOs naming a need outside the topics ("something else"), at the end of the period
    uncovered: list[TopicNeed] = Field(default_factory=list)
    covering: dict[str, list[str]] = Field(default_factory=dict)  # uncovered topic -> partners working on it
    proposed: dict[str, list[str]] = Field(default_factory=dict)  # uncovered topic -> partners with a proposal waiting
    requests: RequestFigures = Field(default_factory=RequestFigures)  # contact requests to partners
    workshops: list[WorkshopInterest] = Field(default_factory=list)  # upcoming, soonest first
    introductions_requested: int = 0
    introductions_accepted: int = 0
    languages: dict[str, int] = Field(default_factory=dict)  # MSOs per chosen language, most first
    free_texts: list[FreeText] = Field(default_factory=list)  # newest first
    round_name: str | None = None  # the latest survey round, if staff opened one
    round_changes: list[TopicChange] = Field(default_factory=list)  # topics in questionnaire order
    open_tasks: dict[str, int] = Field(default_factory=dict)  # the office's open tasks by kind (bot.office)
    erasures: int = 0  # as of the snapshot (bot.storage.erasure): built before a later erasure, it is out of date


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def uncovered(needs: list[TopicNeed], upcoming: list[Workshop], end: datetime, minimum: int) -> list[TopicNeed]:
    """Topics that at least `minimum` associations rate big or urgent and that no workshop starting
    within COVERAGE_WINDOW after `end` answers: the weekly digest's notion, and the partners'."""
    covered = {t for w in upcoming if w.start <= end + COVERAGE_WINDOW for t in w.topics}
    return [n for n in needs if n.now >= minimum and n.topic not in covered]


def shorten(text: str, limit: int = FREE_TEXT_LENGTH) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit - 1)
    return flat[:cut if cut > limit // 2 else limit - 1].rstrip(" ,.;:") + "…"


class FigureSource:
    """Reads what the digest needs; one instance per computation."""

    def __init__(self, store: Store, engine: Engine, uncovered_min: int = 2) -> None:
        matching = engine.matching()
        self.store = store
        self.engine = engine
        self.matching: Matching = matching
        self.uncovered_min = uncovered_min

    async def compute(self, end: datetime, start: datetime | None = None) -> DigestFigures:
        """All figures from one consistent snapshot on the read connection: the bot's writes go
        on meanwhile, and nothing here waits for them."""
        async with self.store.snapshot() as reader:
            return await self._on(reader)._compute(end, start)

    def _on(self, reader: Store) -> FigureSource:
        bound = copy.copy(self)
        bound.store = reader
        return bound

    async def _compute(self, end: datetime, start: datetime | None) -> DigestFigures:
        start = start or end - WEEK
        figures = DigestFigures(period_start=start, period_end=end, erasures=await self.store.erasures())
        await self._submissions(figures, start, end)
        needs_now = await self.needs_as_of(end)
        needs_before = await self.needs_as_of(start)
        topics = [o.id for o in self.engine.questionnaire.option_sets.get(self.matching.topics, [])]
        order = {t: i for i, t in enumerate(topics)}
        figures.needs = sorted(
            (TopicNeed(topic=t, now=needs_now.get(t, 0), before=needs_before.get(t, 0)) for t in topics),
            key=lambda n: (-n.now, -n.change, order[n.topic]))
        figures.other_needs = await self.other_needs_as_of(end)
        upcoming = await CatalogStore(self.store).workshops(upcoming_after=end)
        figures.uncovered = uncovered(figures.needs, upcoming, end, self.uncovered_min)
        figures.covering = await covering_partners(self.store, [n.topic for n in figures.uncovered])
        figures.proposed = await proposals_waiting(self.store, [n.topic for n in figures.uncovered])
        figures.requests = await request_figures(self.store, start, end)
        figures.workshops = await self._interest(upcoming)
        await self._introductions(figures, start, end)
        figures.languages = await self._languages(end)
        figures.free_texts = await self._free_texts(start, end)
        figures.round_name, figures.round_changes = await self.round_changes()
        figures.open_tasks = await TaskStore(self.store).counts()
        return figures

    async def uncovered_as_of(self, end: datetime) -> list[TopicNeed]:
        """The uncovered needs at `end` alone, without the change (the partners' monthly digest)."""
        upcoming = await CatalogStore(self.store).workshops(upcoming_after=end)
        needs = [TopicNeed(topic=t, now=n, before=n) for t, n in (await self.needs_as_of(end)).items()]
        return uncovered(sorted(needs, key=lambda n: (-n.now, n.topic)), upcoming, end, self.uncovered_min)

    async def round_changes(self) -> tuple[str | None, list[TopicChange]]:
        """Per topic: associations whose need improved, stayed or got worse from their answers
        before the latest round to their completed answers in it."""
        reads = FigureReads(self.store)
        latest = await reads.latest_round()
        if latest is None:
            return None, []
        round_id, round_name = latest
        pairs = await reads.round_pairs(round_id)
        stored = await reads.answers_of([i for pair in pairs for i in pair],
                                        self.engine.stored_ids(self.matching.needs.values()))
        changes = []
        for topic, question in self.matching.needs.items():
            counts = Counter[str]()
            for now_id, before_id in pairs:
                before = self.engine.current(stored[before_id]).get(question)
                now = self.engine.current(stored[now_id]).get(question)
                # Both completed: a level not given is an area not ticked, so no need (0).
                was, is_ = self.matching.intensity.get(before or "", 0), self.matching.intensity.get(now or "", 0)
                counts["improved" if is_ < was else "worse" if is_ > was else "same"] += 1
            changes.append(TopicChange(topic=topic, improved=counts["improved"], same=counts["same"],
                                       worse=counts["worse"]))
        return round_name, changes

    async def _submissions(self, f: DigestFigures, start: datetime, end: datetime) -> None:
        """Counted on the database's thread as the rows come (`FigureReads.count_submissions`)."""
        def count(rows: Iterable[SubmissionTimes]) -> dict[str, int]:
            counts = dict.fromkeys(("started", "completed", "total_completed", "abandoned", "total_abandoned",
                                    "total_in_progress"), 0)
            first_start: dict[int, datetime] = {}
            for user_id, started_at, completed_at, last_answer in rows:
                started = datetime.fromisoformat(started_at)
                completed = _time(completed_at)
                if completed is not None and completed >= end:
                    completed = None  # not yet, as of the end of the period
                last = max(started, _time(last_answer) or started)
                first_start[user_id] = min(first_start.get(user_id, started), started)
                counts["started"] += start <= started
                if completed is not None:
                    counts["total_completed"] += 1
                    counts["completed"] += completed >= start
                elif last + ABANDONED_AFTER <= end:
                    counts["total_abandoned"] += 1
                    counts["abandoned"] += last + ABANDONED_AFTER > start
                else:
                    counts["total_in_progress"] += 1
            counts["total_msos"] = len(first_start)
            counts["new_msos"] = sum(1 for at in first_start.values() if at >= start)
            return counts

        counted = await FigureReads(self.store).count_submissions(_utc(end), count)
        for name, value in counted.items():
            setattr(f, name, value)

    async def needs_as_of(self, cutoff: datetime) -> dict[str, int]:
        """Topic -> MSOs whose latest questionnaire completed before `cutoff` rates it big or urgent.

        Counted by SQLite: reading every answer into Python took two seconds at 20,000 MSOs."""
        engine = self.engine
        topic_of = {stored: topic for topic, question in self.matching.needs.items()
                    for stored in engine.stored_ids([question])}
        big = [level for level, value in self.matching.intensity.items() if value >= BIG]
        levels = sorted({json.dumps(option) for question in self.matching.needs.values()
                         for option in engine.stored_options(question, big)})
        if not topic_of or not levels:
            return {}
        counted = await FigureReads(self.store).latest_answers_count(_utc(cutoff), list(topic_of), levels)
        counts: Counter[str] = Counter()
        for question_id, n in counted.items():  # a renamed question counts under its earlier id too
            counts[topic_of[question_id]] += n
        return dict(counts)

    async def other_needs_as_of(self, cutoff: datetime) -> int:
        """MSOs whose latest questionnaire completed before `cutoff` names a need outside the
        topics (their words are among the free texts)."""
        if self.matching.other_need is None:
            return 0
        questions = self.engine.stored_ids([self.matching.other_need])
        counted = await FigureReads(self.store).latest_answers_count(_utc(cutoff), questions)
        return sum(counted.values())

    async def _interest(self, upcoming: list[Workshop]) -> list[WorkshopInterest]:
        counts = await SuggestionStore(self.store).interest_counts("workshop")
        return [WorkshopInterest(id=w.id, title=w.text("title", "de") or w.id, start=w.start,
                                 interested=counts.get(w.id, 0), capacity=w.capacity) for w in upcoming]

    async def _introductions(self, f: DigestFigures, start: datetime, end: datetime) -> None:
        f.introductions_requested, f.introductions_accepted = \
            await FigureReads(self.store).introductions(_utc(start), _utc(end))

    async def _languages(self, end: datetime) -> dict[str, int]:
        return await FigureReads(self.store).chat_languages(_utc(end))

    async def _free_texts(self, start: datetime, end: datetime) -> list[FreeText]:
        """Free-text answers of the period, without the ones that identify an association."""
        private = {self.engine.questionnaire.organisation_name, self.matching.contact}
        questions = self.engine.stored_ids(q.id for _s, q in self.engine.questionnaire.questions()
                                           if q.type is QuestionType.TEXT and q.id not in private)
        texts = []
        for row in await FigureReads(self.store).free_texts(questions, _utc(start), _utc(end), FREE_TEXTS):
            if isinstance(row.value, str) and row.value.strip():
                question = self.engine.current_id(row.question_id) or row.question_id
                texts.append(FreeText(question=question, text=shorten(row.value),
                                      at=datetime.fromisoformat(row.answered_at), language=row.language))
        return texts
