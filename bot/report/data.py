"""What the committee's report is made of, read from the database in one snapshot.

Plain data, no wording and no protection yet: which associations answered in the report's
scope (a round, or a span of dates), their current answers, and what the office and its
partners offered meanwhile. Every time here comes from the data, never from the clock, so the
same round and data give the same document (issue 29).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.digest.coordination import proposals_waiting
from bot.digest.figures import COVERAGE_WINDOW
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.report_reads import ReportReads
from bot.storage.suggestions import SuggestionStore

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # the data time of an empty database


@dataclass(frozen=True)
class Scope:
    """Which answers the report covers: a round by name, the days from `start` to `end`
    (both included), or, with neither, the latest round (all answers when there is none)."""

    round: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Association:
    """One association's latest completed questionnaire in the scope (never published as such)."""

    user: int
    language: str  # the language it used the bot in
    answers: dict[str, Any]  # under the questionnaire's current ids


@dataclass(frozen=True)
class WorkshopOffer:
    id: str
    title: str  # German: the office's language for catalog texts
    topics: list[str]
    start: datetime
    capacity: int | None
    provider: str
    interested: int  # associations that marked it interesting


@dataclass
class ReportData:
    scope_label: str  # the round's name, or the dates
    period_start: datetime
    period_end: datetime
    data_time: datetime  # the latest moment the data shows: the document's date in its metadata
    associations: list[Association] = field(default_factory=list)
    started: Counter[str] = field(default_factory=Counter)  # associations that began, by language
    invited: int | None = None  # a round: associations with a completed questionnaire when it opened
    previous_label: str | None = None
    previous: list[Association] | None = None  # the round before, when there is one
    workshops: list[WorkshopOffer] = field(default_factory=list)
    partners: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # id -> (name, topics)
    proposed: dict[str, list[str]] = field(default_factory=dict)  # topic -> partners with a proposal waiting
    introductions: Counter[str] = field(default_factory=Counter)  # by state
    requests: dict[str, Counter[str]] = field(default_factory=dict)  # partner id -> state -> requests


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _day(value: date, tz: tzinfo) -> datetime:
    return datetime.combine(value, time(0, 0), tzinfo=tz)


class ReportReader:
    """Reads a `ReportData` on one snapshot of the store (the read connection: the bot's writes
    go on meanwhile)."""

    def __init__(self, store: Store, engine: Engine, tz: tzinfo) -> None:
        self.store = store
        self.engine = engine
        self.tz = tz

    async def read(self, scope: Scope) -> ReportData:
        async with self.store.snapshot() as reader:
            bound = ReportReader(reader, self.engine, self.tz)
            return await bound._read(scope)

    async def _read(self, scope: Scope) -> ReportData:
        rounds = await ReportReads(self.store).rounds()
        chosen: dict[str, Any] | None = None
        if scope.round is not None:
            chosen = next((r for r in rounds if r["name"] == scope.round), None)
            if chosen is None:
                raise ValueError(f"no round named {scope.round!r}")
        elif scope.start is None and scope.end is None and rounds:
            chosen = rounds[-1]
        if chosen is not None:
            data = await self._round(chosen, rounds)
        else:
            data = await self._dates(scope)
        await self._offers(data)
        return data

    async def _round(self, chosen: dict[str, Any], rounds: list[dict[str, Any]]) -> ReportData:
        index = rounds.index(chosen)
        start = datetime.fromisoformat(chosen["opened_at"])
        later = rounds[index + 1]["opened_at"] if index + 1 < len(rounds) else None
        reads = ReportReads(self.store)
        associations, started, last = await self._answered(await reads.submissions_in_round(chosen["id"]))
        end = datetime.fromisoformat(later) if later else max(last or start, start)
        data = ReportData(scope_label=str(chosen["name"]), period_start=start, period_end=end,
                          data_time=max(last or start, start), associations=associations, started=started)
        data.invited = await reads.invited(chosen["opened_at"], chosen["id"])
        if index > 0:
            before = rounds[index - 1]
            data.previous_label = str(before["name"])
            data.previous, _started, _last = await self._answered(await reads.submissions_in_round(before["id"]))
        return data

    async def _dates(self, scope: Scope) -> ReportData:
        reads = ReportReads(self.store)
        since = _utc(_day(scope.start, self.tz)) if scope.start is not None else None
        until = _utc(_day(scope.end + timedelta(days=1), self.tz)) if scope.end is not None else None
        associations, started, last = await self._answered(await reads.submissions_started(since, until))
        first = await reads.first_started(since, until)
        begun = datetime.fromisoformat(first) if first else EPOCH
        start = _day(scope.start, self.tz) if scope.start else begun
        end = _day(scope.end + timedelta(days=1), self.tz) if scope.end else (last or start)
        if scope.start or scope.end:
            label = " – ".join(d.isoformat() if d else "…" for d in (scope.start, scope.end))
        else:
            label = ""
        return ReportData(scope_label=label, period_start=start, period_end=end, data_time=last or start,
                          associations=associations, started=started)

    async def _answered(self, rows: list[Any]) -> tuple[list[Association], Counter[str], datetime | None]:
        """The latest completed submission per association among `rows` (oldest first), its
        answers read as this questionnaire version reads them; who began, by language; the
        latest time seen."""
        latest: dict[int, Any] = {}
        languages: dict[int, str] = {}
        last: datetime | None = None
        for row in rows:
            languages[row["user_id"]] = row["language"]
            for moment in (row["started_at"], row["completed_at"]):
                if moment:
                    last = max(last, datetime.fromisoformat(moment)) if last else datetime.fromisoformat(moment)
            if row["completed_at"]:
                latest[row["user_id"]] = row
        started = Counter(languages.values())
        stored = await ReportReads(self.store).answers([row["id"] for row in latest.values()])
        associations = [Association(user=user, language=row["language"],
                                    answers=self.engine.current(stored[row["id"]]))
                        for user, row in sorted(latest.items())]
        return associations, started, last

    async def _offers(self, data: ReportData) -> None:
        """Workshops starting in the period or within COVERAGE_WINDOW after it, partners,
        introductions and contact requests of the period."""
        start, end = _utc(data.period_start), _utc(data.period_end)
        catalog = CatalogStore(self.store)
        partners = await catalog.partners()
        data.partners = {p.id: (p.name, list(p.topics)) for p in sorted(partners, key=lambda p: p.id)}
        window_end = data.period_end + COVERAGE_WINDOW
        offered = [w for w in await catalog.workshops(upcoming_after=data.period_start) if w.start < window_end]
        interest = await SuggestionStore(self.store).interest_counts("workshop", [w.id for w in offered])
        data.workshops = sorted((WorkshopOffer(id=w.id, title=w.text("title", "de") or w.id, topics=list(w.topics),
                                               start=w.start, capacity=w.capacity, provider=w.provider,
                                               interested=interest.get(w.id, 0)) for w in offered),
                                key=lambda w: (w.start, w.id))
        topics = list(self.engine.questionnaire.matching.needs) if self.engine.questionnaire.matching else []
        data.proposed = await proposals_waiting(self.store, topics)
        reads = ReportReads(self.store)
        data.introductions.update(await reads.introduction_states(start, end))
        for partner_id, state, n in await reads.request_states(start, end):
            data.requests.setdefault(partner_id, Counter())[state] = n
