"""Work a command line tool leaves to the running bot: a row it writes in its one short
transaction, which the bot finds at its next look (every few seconds) and does in its own
process, as the single writer. Kept in `meta` under `job:` keys (in the order written), so
no schema change was needed for it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from bot.storage.store import Store

PREFIX = "job:"
_AFTER = "job;"  # the first key after every `job:` key


@dataclass(frozen=True)
class Job:
    key: str
    kind: str  # offers (new and moved workshops), round (its invitations)
    data: dict[str, Any]


class JobStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, kind: str, **data: Any) -> None:
        """In the caller's transaction."""
        key = f"{PREFIX}{self.store.now().isoformat()}:{uuid.uuid4().hex[:8]}"
        await self.store.write("INSERT INTO meta (key, value) VALUES (?, ?)", key,
                               json.dumps({"kind": kind, **data}, ensure_ascii=False))

    async def waiting(self) -> list[Job]:
        rows = await self.store.fetch_all("SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key",
                                          PREFIX, _AFTER)
        jobs = []
        for row in rows:
            data = json.loads(row["value"])
            jobs.append(Job(row["key"], str(data.pop("kind")), data))
        return jobs

    async def done(self, key: str) -> None:
        await self.store.write("DELETE FROM meta WHERE key = ?", key)
