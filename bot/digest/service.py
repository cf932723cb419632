"""The weekly digest: when it is due, what it says, and getting it to staff exactly once.

A digest is claimed in the `digests` table in the same transaction that queues its messages
in the outbox, so a restart can neither send it twice nor lose it, and a bot that was down
at the scheduled time sends the missed one when it is back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from bot.digest.chart import chart_spec, draw
from bot.digest.figures import DigestFigures, FigureSource
from bot.digest.render import messages, sections
from bot.kernel.offload import Offload
from bot.kernel.outcome import Document, Screen
from bot.kernel.settings import Settings
from bot.outbox import screen_payload
from bot.questionnaire import load as load_questionnaire
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import StaffVoice, staff_voice
from bot.storage import Store, Views, open_reader
from bot.storage.digests import DigestStore
from bot.storage.outbox import OutboxStore

log = logging.getLogger(__name__)

REBUILDS = 3  # a digest or export built before an erasure is built again, at most this often


def last_occurrence(now: datetime, tz: tzinfo, weekday: int, at: time) -> datetime:
    """The latest scheduled moment (weekday, local time) at or before `now`, in UTC."""
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, at, tzinfo=tz)
    if moment > local:
        moment = datetime.combine(day - timedelta(days=7), at, tzinfo=tz)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Digest:
    figures: DigestFigures
    texts: list[str]
    chart: bytes

    def chart_document(self) -> Document:
        end = self.figures.period_end.date().isoformat()
        return Document(filename=f"bedarfe-{end}.png", content=self.chart, mime_type="image/png")


def digest_job(settings: Settings, end: datetime, title: str | None) -> Digest:
    """The digest as a job in its own process (`bot.kernel.offload`): at city scale its figures
    read hundreds of thousands of answers, and parsing them in the bot's process held every
    reply up (its objects made Python's collections pause the bot for 100-230 ms each)."""
    return asyncio.run(_digest(settings, end, title))


async def _digest(settings: Settings, end: datetime, title: str | None) -> Digest:
    engine = Engine(load_questionnaire(settings.questionnaire))
    voice = staff_voice(settings, engine)
    store = await open_reader(settings.database, Views(engine.current, engine.current_id))
    try:
        figures = await FigureSource(store, engine, settings.uncovered_min).compute(end)
    finally:
        await store.close()
    return Digest(figures, messages(sections(voice, figures, title)), draw(chart_spec(voice, figures)))


class DigestService:
    def __init__(self, store: Store, figures: FigureSource, voice: StaffVoice, recipients: list[int],
                 schedule: tuple[int, time], offload: Offload | None = None,
                 settings: Settings | None = None) -> None:
        """`settings`: where a job in its own process finds the database and the catalogs (the
        bot's); without it (tests, an in-memory database) the figures are read here."""
        self.store = store
        self.settings = settings
        self.offload = offload or Offload(in_process=True)
        self.figures = figures
        self.voice = voice
        self.recipients = list(dict.fromkeys(recipients))
        self.weekday, self.at = schedule
        self.outbox = OutboxStore(store)

    async def build(self, end: datetime | None = None, title: str | None = None) -> Digest:
        """The digest for the seven days before `end` (default: now)."""
        if self.settings is not None and not self.offload.in_process:
            return await self.offload.run(digest_job, self.settings, end or self.store.now(), title)
        figures = await self.figures.compute(end or self.store.now())
        chart = await self.offload.run(draw, chart_spec(self.voice, figures))  # drawing takes a moment
        return Digest(figures, messages(sections(self.voice, figures, title)), chart)

    def due_period_end(self) -> datetime:
        return last_occurrence(self.store.now(), self.voice.tz, self.weekday, self.at)

    async def send_due(self) -> bool:
        """Queue the digest of the latest scheduled time unless it was queued before."""
        if not self.recipients:
            return False
        end = self.due_period_end()
        if await self._claimed(end):
            return False
        for _attempt in range(REBUILDS):
            digest = await self.build(end)  # outside the transaction: drawing takes a moment
            async with self.store.transaction():
                if not await self.current(digest):
                    continue  # an association deleted its data meanwhile: built again
                if not await DigestStore(self.store).claim(end, len(self.recipients)):
                    return False
                for chat_id in self.recipients:
                    await self.queue(chat_id, digest, f"digest:{end.isoformat()}:{chat_id}")
                await self.store.log_event("digest_queued", period_end=end.isoformat(),
                                           recipients=len(self.recipients))
            break
        else:
            return False  # erasures kept coming: the next scheduled look tries again
        log.info("weekly digest up to %s queued for %d recipients", end.isoformat(), len(self.recipients))
        return True

    async def current(self, digest: Digest) -> bool:
        """No erasure since its snapshot (inside the queuing transaction: none can come between)."""
        return digest.figures.erasures == await self.store.erasures()

    async def _claimed(self, end: datetime) -> bool:
        return await DigestStore(self.store).claimed(end)

    async def queue(self, chat_id: int, digest: Digest, key: str | None) -> list[int]:
        """Text messages in order, then the chart; inside the caller's transaction. The outbox
        rows queued (none that a dedupe key had queued before)."""
        built_on = digest.figures.erasures
        rows = [await self.outbox.enqueue(chat_id, None, "digest", screen_payload(Screen(text=text)),
                                          dedupe_key=f"{key}:{i}" if key else None, built_on=built_on)
                for i, text in enumerate(digest.texts)]
        rows.append(await self.outbox.enqueue(chat_id, None, "digest", digest.chart_document().payload(),
                                              dedupe_key=f"{key}:chart" if key else None, built_on=built_on))
        return [row for row in rows if row is not None]
