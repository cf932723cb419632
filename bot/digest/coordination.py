"""What the weekly digest tells staff about the work with the partner organisations: the contact
requests associations sent them, and which partners could take up each uncovered need.

and whether a workshop one of them proposed on it waits for staff's approval.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.partners import ProposalStore, RequestStore

OPEN_LONG = timedelta(days=7)  # a request unanswered this long is worth a call from the office


class RequestFigures(BaseModel):
    """Contact requests sent in the period, by their state now; and all still open since before
    OPEN_LONG ahead of the period's end, whenever they were sent."""

    accepted: int = 0
    declined: int = 0
    pending: int = 0
    withdrawn: int = 0  # the association took its consent back or deleted its data
    open_long: int = 0

    @property
    def sent(self) -> int:
        return self.accepted + self.declined + self.pending + self.withdrawn


async def request_figures(store: Store, start: datetime, end: datetime) -> RequestFigures:
    counts = await RequestStore(store).counts(start.astimezone(UTC).isoformat(),
                                              (end - OPEN_LONG).astimezone(UTC).isoformat())
    return RequestFigures(**{name: counts.get(name, 0) for name in RequestFigures.model_fields})


async def covering_partners(store: Store, topics: list[str]) -> dict[str, list[str]]:
    """Topic -> names of the catalog's partner organisations that work on it (by id)."""
    partners = await CatalogStore(store).partners()
    return {topic: [p.name for p in partners if topic in p.topics] for topic in topics}


async def proposals_waiting(store: Store, topics: list[str]) -> dict[str, list[str]]:
    """Topic -> names of the partners whose proposed workshop on it waits for staff."""
    names = {p.id: p.name for p in await CatalogStore(store).partners()}
    waiting: dict[str, list[str]] = {}
    for partner_id, proposed in await ProposalStore(store).pending():
        for topic in topics:
            name = names.get(partner_id, partner_id)
            if topic in proposed and name not in waiting.setdefault(topic, []):
                waiting[topic].append(name)
    return {topic: found for topic, found in waiting.items() if found}
