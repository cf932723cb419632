"""The partner figures, published: counted once (on the first working day of the month with the
monthly digest, and when staff publish them with `/partner publish`) over the associations that
agreed to sharing, protected (`bot.partners.disclosure`) and stored as shown. `/needs` and the
monthly digest read the latest publication: figures never move between two looks, whatever an
association does meanwhile, so looking again teaches nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.partners.needs import PublishedNeeds, count_needs, published
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.storage.partner_digests import FigureStore
from bot.storage.partners import PartnerStore

A_MONTH_BEFORE = timedelta(days=28)  # the change is against the latest publication at least this much older


class PartnerFigures:
    def __init__(self, store: Store, engine: Engine) -> None:
        self.store = store
        matching = engine.questionnaire.matching
        self.topics = list(matching.needs) if matching else []

    async def count(self) -> dict[str, PublishedNeeds]:
        """Counted on the reader's snapshot, off the event loop; protected before it is kept."""
        async with self.store.snapshot() as reader:
            profiles = await PartnerStore(reader).need_profiles()
        counted = await asyncio.to_thread(count_needs, profiles, self.topics)
        return {n.topic: published(n) for n in counted}

    async def save(self, figures: dict[str, PublishedNeeds], reason: str) -> None:
        """In the caller's transaction."""
        await FigureStore(self.store).add(self.store.now().isoformat(), reason,
                                          {t: f.model_dump(exclude={"change"}) for t, f in figures.items()})
        await self.store.log_event("partner_figures_published", None, reason=reason)

    async def publish(self, reason: str) -> None:
        figures = await self.count()
        async with self.store.transaction():
            await self.save(figures, reason)

    async def latest(self) -> tuple[datetime, dict[str, PublishedNeeds]] | None:
        """The latest publication, each total with its change against the one a month before."""
        stored = FigureStore(self.store)
        newest = await stored.latest()
        if newest is None:
            return None
        at = datetime.fromisoformat(newest[0])
        before = await stored.latest((at - A_MONTH_BEFORE).isoformat())
        figures = {t: PublishedNeeds.model_validate(f) for t, f in newest[1].items()}
        for topic, f in figures.items():
            then = before[1].get(topic, {}).get("total") if before else None
            if f.total is not None and isinstance(then, int):
                f.change = f.total - then
        return at, figures
