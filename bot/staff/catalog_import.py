"""Importing a catalog file into the database, and telling the associations what fits them
(`msobot catalog import`, also while the bot runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.catalog.importer import read_catalog, vocabulary
from bot.storage.catalog import CatalogStore, ImportCounts
from bot.suggestions.service import SuggestionService


@dataclass(frozen=True)
class ImportReport:
    partners: ImportCounts
    workshops: ImportCounts
    pushed: dict[int, list[str]]
    sample: bool


async def import_file(suggestions: SuggestionService, path: Path) -> ImportReport:
    """All or nothing; raises CatalogFileError naming file, row and field of every problem."""
    store = suggestions.store
    catalog = CatalogStore(store)
    parsed = read_catalog(path, vocabulary(suggestions.engine.questionnaire), suggestions.tz,
                          await catalog.partner_ids())
    async with store.transaction():
        partners = await catalog.upsert_partners(parsed.partners, parsed.sample)
        workshops = await catalog.upsert_workshops(parsed.workshops, parsed.sample)
        await store.log_event("catalog_imported", file=path.name, partners=len(parsed.partners),
                              workshops=len(parsed.workshops), added=workshops.added)
    await suggestions.workshops_changed(workshops.updated)
    pushed = await suggestions.offers_added(workshops.added)
    return ImportReport(partners, workshops, pushed, parsed.sample)
