"""Wiring in one place: everything the adapters need, opened and closed together."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine import Engine
from bot.i18n import Catalogs
from bot.questionnaire import Questionnaire, load
from bot.settings import Settings
from bot.storage import Store, open_store
from bot.suggestions import SuggestionService
from bot.survey import SurveyService


@dataclass
class Services:
    settings: Settings
    store: Store
    questionnaire: Questionnaire
    engine: Engine
    catalogs: Catalogs
    survey: SurveyService
    suggestions: SuggestionService

    async def close(self) -> None:
        await self.store.close()


def load_domain(settings: Settings) -> tuple[Questionnaire, Engine, Catalogs]:
    """The parts that need no database; raises QuestionnaireError for a broken file."""
    questionnaire = load(settings.questionnaire)
    catalogs = Catalogs(settings.locales_dir, default=settings.default_language)
    return questionnaire, Engine(questionnaire), catalogs


async def open_services(settings: Settings) -> Services:
    questionnaire, engine, catalogs = load_domain(settings)
    store = await open_store(settings.database)
    async with store.transaction():
        await store.forget_old_updates()
    survey = SurveyService(store, engine, catalogs, settings.tz)
    suggestions = SuggestionService(store, engine, catalogs, settings.tz, quiet=settings.quiet_window())
    suggestions.attach(survey)
    return Services(settings, store, questionnaire, engine, catalogs, survey, suggestions)
