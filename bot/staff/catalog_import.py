"""Importing a catalog file into the database, and telling the associations what fits them
(`msobot catalog import`). Beside a running bot the command writes the catalog rows and a job
in one short transaction, and the bot pushes the new offers (`bot.staff.jobs`); with no bot
running it holds the database's lock and pushes them itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.catalog.importer import read_catalog, vocabulary
from bot.storage.catalog import CatalogStore, ImportCounts
from bot.storage.jobs import JobStore
from bot.suggestions.service import SuggestionService


@dataclass(frozen=True)
class ImportReport:
    partners: ImportCounts
    workshops: ImportCounts
    pushed: dict[int, list[str]] | None  # None: left to the running bot
    sample: bool


async def import_file(suggestions: SuggestionService, path: Path, leave_to_bot: bool = False) -> ImportReport:
    """All or nothing; raises CatalogFileError naming file, row and field of every problem.
    `leave_to_bot`: the pushes and moved reminders are a job for the running bot."""
    store = suggestions.store
    catalog = CatalogStore(store)
    parsed = read_catalog(path, vocabulary(suggestions.engine.questionnaire), suggestions.tz,
                          await catalog.partner_ids())
    async with store.transaction():
        partners = await catalog.upsert_partners(parsed.partners, parsed.sample)
        workshops = await catalog.upsert_workshops(parsed.workshops, parsed.sample)
        await store.log_event("catalog_imported", file=path.name, partners=len(parsed.partners),
                              workshops=len(parsed.workshops), added=workshops.added)
        if leave_to_bot and (workshops.added or workshops.updated):
            await JobStore(store).add("offers", added=workshops.added, changed=workshops.updated)
    if leave_to_bot:
        return ImportReport(partners, workshops, None, parsed.sample)
    await suggestions.workshops_changed(workshops.updated)
    pushed = await suggestions.offers_added(workshops.added)
    return ImportReport(partners, workshops, pushed, parsed.sample)
