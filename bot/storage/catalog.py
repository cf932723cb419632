"""Workshops and partner organisations in the database; re-imports update by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from bot.catalog.model import Partner, Workshop
from bot.storage.store import Store


@dataclass(frozen=True)
class ImportCounts:
    added: list[str]
    updated: list[str]
    unchanged: list[str]


@lru_cache(maxsize=8192)
def _partner(data: str) -> Partner:
    """Parsing a catalog entry (its e-mail and web addresses checked) costs more than reading
    it; entries are frozen, so the same stored text gives the same object. The database stays
    the source of truth: changed text is parsed anew."""
    return Partner.model_validate_json(data)


@lru_cache(maxsize=8192)
def _workshop(data: str) -> Workshop:
    return Workshop.model_validate_json(data)


class CatalogStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def mark_source(self, workshop_id: str, source: str) -> None:
        """Where a workshop came from: 'chat' (staff's /workshop), 'partner' (an approved proposal)."""
        await self.store.write("UPDATE workshops SET source = ? WHERE id = ?", source, workshop_id)

    async def upsert_partners(self, partners: list[Partner], sample: bool) -> ImportCounts:
        return await self._upsert("partners", partners, sample)

    async def upsert_workshops(self, workshops: list[Workshop], sample: bool) -> ImportCounts:
        return await self._upsert("workshops", workshops, sample)

    async def _upsert(self, table: str, items: list[Partner] | list[Workshop], sample: bool) -> ImportCounts:
        now = self.store.now().isoformat()
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        for item in items:
            data = item.model_dump_json()
            row = await self.store.fetch_one(f"SELECT data FROM {table} WHERE id = ?", item.id)
            if row is not None and row["data"] == data:
                unchanged.append(item.id)
                continue
            if table == "workshops":
                assert isinstance(item, Workshop)
                await self.store.write(
                    "INSERT INTO workshops (id, data, starts_at, sample, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, "
                    "starts_at = excluded.starts_at, sample = excluded.sample, updated_at = excluded.updated_at",
                    item.id, data, _utc(item.start), int(sample), now, now)
            else:
                await self.store.write(
                    "INSERT INTO partners (id, data, sample, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET data = excluded.data, sample = excluded.sample, "
                    "updated_at = excluded.updated_at", item.id, data, int(sample), now, now)
            (added if row is None else updated).append(item.id)
        return ImportCounts(added, updated, unchanged)

    async def partner_ids(self) -> set[str]:
        return {row["id"] for row in await self.store.fetch_all("SELECT id FROM partners")}

    async def partners(self) -> list[Partner]:
        rows = await self.store.fetch_all("SELECT data FROM partners ORDER BY id")
        return [_partner(row["data"]) for row in rows]

    async def partner(self, partner_id: str) -> Partner | None:
        row = await self.store.fetch_one("SELECT data FROM partners WHERE id = ?", partner_id)
        return _partner(row["data"]) if row else None

    async def workshops(self, upcoming_after: datetime | None = None) -> list[Workshop]:
        if upcoming_after is None:
            rows = await self.store.fetch_all("SELECT data FROM workshops ORDER BY starts_at, id")
        else:
            rows = await self.store.fetch_all(
                "SELECT data FROM workshops WHERE starts_at > ? AND cancelled_at IS NULL ORDER BY starts_at, id",
                _utc(upcoming_after))
        return [_workshop(row["data"]) for row in rows]

    async def cancel(self, workshop_id: str) -> bool:
        """No longer offered (it stays for what was said about it); False when it was cancelled already."""
        row = await self.store.fetch_one("UPDATE workshops SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL "
                                         "RETURNING id", self.store.now().isoformat(), workshop_id)
        return row is not None

    async def workshop(self, workshop_id: str) -> Workshop | None:
        row = await self.store.fetch_one("SELECT data FROM workshops WHERE id = ?", workshop_id)
        return _workshop(row["data"]) if row else None

    async def sample_flags(self) -> dict[tuple[str, str], bool]:
        flags: dict[tuple[str, str], bool] = {}
        for table in ("partners", "workshops"):
            for row in await self.store.fetch_all(f"SELECT id, sample FROM {table}"):
                flags[(table, row["id"])] = bool(row["sample"])
        return flags


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()
