"""Importing a catalog file into the database, and telling the associations it fits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.catalog.importer import Vocabulary, read_catalog
from bot.questionnaire.model import Questionnaire
from bot.services import Services
from bot.storage.catalog import CatalogStore, ImportCounts

SAMPLE = Path(__file__).with_name("sample_wuppertal.yaml")


@dataclass(frozen=True)
class ImportReport:
    partners: ImportCounts
    workshops: ImportCounts
    pushed: dict[int, list[str]]
    sample: bool


def vocabulary(questionnaire: Questionnaire) -> Vocabulary:
    matching = questionnaire.matching
    if matching is None:
        return Vocabulary(frozenset(), frozenset())
    topics = frozenset(o.id for o in questionnaire.option_sets.get(matching.topics, []))
    district = next((q for _s, q in questionnaire.questions() if q.id == matching.district), None)
    districts = frozenset(o.id for o in questionnaire.choices(district)) if district else frozenset()
    return Vocabulary(topics, districts)


async def import_file(services: Services, path: Path) -> ImportReport:
    """All or nothing; raises CatalogFileError naming file, row and field of every problem."""
    catalog = CatalogStore(services.store)
    parsed = read_catalog(path, vocabulary(services.questionnaire), services.settings.tz,
                          await catalog.partner_ids())
    async with services.store.transaction():
        partners = await catalog.upsert_partners(parsed.partners, parsed.sample)
        workshops = await catalog.upsert_workshops(parsed.workshops, parsed.sample)
        await services.store.log_event("catalog_imported", file=path.name, partners=len(parsed.partners),
                                       workshops=len(parsed.workshops), added=workshops.added)
    await services.suggestions.workshops_changed(workshops.updated)
    pushed = await services.suggestions.offers_added(workshops.added)
    return ImportReport(partners, workshops, pushed, parsed.sample)
