"""What every part of the suggestions needs: the stores, the scorer, the reader's screens,
when an unsolicited message may go out, and the outbox's doorbell."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, tzinfo

from bot.kernel.i18n import Catalogs
from bot.kernel.offload import Offload
from bot.outbox.schedule import QUIET, quiet_hours_end
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import OutboxStore
from bot.storage.suggestions import SuggestionStore
from bot.suggestions.matching import Scorer
from bot.suggestions.screens import SuggestionScreens


class SuggestionContext:
    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 quiet: tuple[time, time] | None = QUIET,
                 interest_changed: Sequence[Callable[[str, int], Awaitable[None]]] = (),
                 offload: Offload | None = None) -> None:
        matching = engine.matching()
        self.matching = matching
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.tz = tz
        self.quiet = quiet
        # Scoring a new workshop against every association: a process of its own (`pushes.plan`).
        self.offload = offload or Offload(in_process=True)
        self.scorer = Scorer(tz, dict(matching.places))
        self.catalog = CatalogStore(store)
        self.suggestions = SuggestionStore(store)
        self.outbox = OutboxStore(store)
        # Told, in the association's transaction, when it marks a workshop interesting or no
        # longer (the workshop's organisation may want to know: bot.partners).
        self.interest_changed = tuple(interest_changed)  # (workshop, association)

    def screens(self, language: str | None) -> SuggestionScreens:
        return SuggestionScreens(self.catalogs.translator(language), self.engine, self.tz)

    def later(self) -> datetime:
        """When an unsolicited message may go out: now, or after the quiet hours."""
        return quiet_hours_end(self.store.now(), self.tz, self.quiet)

    async def district_of(self, user_id: int) -> str | None:
        latest = await self.store.latest_completed(user_id)
        if latest is None or self.matching.district is None:
            return None
        value = latest[1].get(self.matching.district)
        return value if isinstance(value, str) else None

    async def contact(self, user_id: int) -> str | None:
        latest = await self.store.latest_completed(user_id)
        if latest is None or self.matching.contact is None:
            return None
        value = latest[1].get(self.matching.contact)
        return value if isinstance(value, str) and value.strip() else None
