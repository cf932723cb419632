"""Which capability draws a queued row that was stored as data, not as a finished message.

Most rows carry their message (`parcel_from_payload`); a row of a purpose whose message must be
drawn when it goes out (a new offer's card in the reader's current language, a reminder that
only applies while the workshop is ahead) names its type, and the composer registered for that
type draws it. The wiring (`bot.services`) registers every type once, by name, when it builds
the services; the workers get this one `compose`."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.outbox.parcels import Compose, Parcel, parcel_from_payload
from bot.storage.outbox import OutboxRow

log = logging.getLogger(__name__)


class Composers:
    def __init__(self, by_type: Mapping[str, Compose]) -> None:
        self.by_type = dict(by_type)

    async def compose(self, row: OutboxRow) -> Parcel | None:
        parcel = parcel_from_payload(row.payload)
        if parcel is not None:
            return parcel
        composer = self.by_type.get(str(row.payload.get("type")))
        if composer is None:
            log.warning("outbox row %s has an unknown payload type", row.id)
            return None
        return await composer(row)
