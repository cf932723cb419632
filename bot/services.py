"""Wiring in one place: everything the adapters need, opened and closed together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.catalog.importer import SAMPLE
from bot.consent.notice import NoticeFacts
from bot.digest.figures import FigureSource
from bot.digest.service import DigestService
from bot.kernel.i18n import Catalogs
from bot.kernel.links import StartLinks
from bot.kernel.offload import Offload
from bot.kernel.outcome import Outcome
from bot.kernel.settings import ConfigError, Settings
from bot.kernel.turns import Visitor
from bot.office.contact import ContactPersons
from bot.office.mail import OfficeMail
from bot.operations import backups
from bot.outbox.composers import Composers
from bot.partners.service import PartnerService
from bot.privacy.service import PrivacyService
from bot.questionnaire import Questionnaire, default_path, load
from bot.questionnaire.deploy import deploy
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import staff_voice
from bot.router import Router
from bot.staff.catalog_import import import_file
from bot.staff.jobs import Jobs
from bot.staff.service import StaffService
from bot.storage import Store, Views, open_store
from bot.storage.catalog import CatalogStore
from bot.storage.versions import VersionStore
from bot.suggestions.screens import SuggestionScreens
from bot.suggestions.service import SuggestionService
from bot.survey.reminders import UnfinishedReminders
from bot.survey.rounds import RoundService
from bot.survey.service import SurveyService
from bot.survey.turns import Turn

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: Store
    questionnaire: Questionnaire
    engine: Engine
    catalogs: Catalogs
    survey: SurveyService
    suggestions: SuggestionService
    digest: DigestService
    staff: StaffService
    reminders: UnfinishedReminders
    privacy: PrivacyService
    rounds: RoundService
    partners: PartnerService
    composers: Composers
    mail: OfficeMail  # the office and one association, both ways
    contact_persons: ContactPersons  # the association's contact person for the office and partners
    links: StartLinks  # invitation links; the Telegram adapter tells it the bot's name at start

    # The one way in for the adapters (`bot.router`): made with the services, never replaced.
    router: Router = field(init=False)
    # Queuing the rest of the broadcasts and rounds a stop interrupted, and the jobs command line
    # tools leave to the running bot (see `start_sending`).
    resuming: asyncio.Task[None] | None = field(default=None, init=False)
    doing_jobs: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.router = Router(self.store, self.survey, self.staff, self.partners, self.association_command)

    def start_sending(self) -> None:
        """When the bot starts sending (`msobot run`): in the background, the messages of
        broadcasts and rounds that a stop interrupted are queued to the end, once each, and
        from then on the jobs of command line tools are done as they come (`bot.staff.jobs`).
        The outbox worker hears of every queued message from the store's doorbell."""
        if self.resuming is None:
            self.resuming = asyncio.create_task(self._resume(), name="resume fan-outs")
        if self.doing_jobs is None:
            jobs = Jobs(self.store, self.suggestions, self.rounds)
            self.doing_jobs = asyncio.create_task(jobs.keep(), name="jobs of command line tools")

    def association_commands(self) -> dict[str, Callable[[Visitor], Awaitable[Outcome]]]:
        """An association's commands (names without the slash: `routes.SURVEY_COMMANDS`, the
        same for every adapter); a companion's command runs as a step of the association's turn
        (`SurveyService.member`: someone not on board yet sees what /start shows instead)."""
        survey, suggestions, privacy = self.survey, self.suggestions, self.privacy
        return {
            "start": survey.start,
            "help": survey.help,
            "answers": survey.show_answers,
            "language": survey.choose_language,
            "delete": survey.ask_delete,
            "suggestions": lambda v: survey.member(v, suggestions.show),
            "settings": lambda v: survey.member(v, self._settings),
            "myworkshops": lambda v: survey.member(v, suggestions.my_workshops),
            "privacy": lambda v: survey.member(v, privacy.show),
            "mydata": lambda v: survey.run(v, None, privacy.my_data),
            "members": survey.members_list,
        }

    async def association_command(self, name: str, visitor: Visitor) -> Outcome:
        """The association's command `name`, as the router hands it over."""
        return await self.association_commands()[name](visitor)

    async def _settings(self, turn: Turn) -> None:
        """/settings: messages about new offers, then the contact person for the office and partners."""
        await self.suggestions.settings(turn)
        await self.contact_persons.settings(turn)

    async def _resume(self) -> None:
        try:
            await self.staff.broadcast.resume()
            await self.rounds.resume()
        except Exception:  # tried again at the next start
            log.exception("queuing the rest of an interrupted broadcast or round failed")

    async def catalog_is_empty(self) -> bool:
        catalog = CatalogStore(self.store)
        return not await catalog.workshops() and not await catalog.partners()

    async def load_sample_catalog(self) -> None:
        """The shipped Wuppertal sample (invented dates and contacts, marked as sample data),
        as `msobot catalog import --sample` loads it: for trying the bot on a fresh clone."""
        await import_file(self.suggestions, SAMPLE)

    async def close(self) -> None:
        for task in (self.resuming, self.doing_jobs):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.staff.close()
        self.digest.offload.close()
        self.suggestions.context.offload.close()
        await self.store.close()


Domain = tuple[Questionnaire, Engine, Catalogs]


def load_domain(settings: Settings) -> Domain:
    """The parts that need no database; raises QuestionnaireError for a broken file."""
    questionnaire = load(settings.questionnaire)
    catalogs = Catalogs(settings.locales_dir, default=settings.default_language, offered=settings.languages)
    missing = [code for code in settings.languages if code not in catalogs.languages]
    if missing:
        raise ConfigError(f"MSOBOT_LANGUAGES: no catalog for {', '.join(missing)} "
                          f"(there are: {', '.join(catalogs.languages)})")
    return questionnaire, Engine(questionnaire), catalogs


async def open_services(settings: Settings, domain: Domain | None = None) -> Services:
    """`domain`: what `load_domain` gave already, for a process that opens many throw-away
    databases on the same files (the review gallery)."""
    questionnaire, engine, catalogs = domain or load_domain(settings)

    async def backup_first(version: int) -> None:
        made = await asyncio.to_thread(backups.before_migration, settings.database, settings.backups(), version,
                                       datetime.now(UTC))
        log.info("backup before migrating schema %d: %s (%d bytes)", version, made.path, made.size)

    store = await open_store(settings.database, backup_first, Views(engine.current, engine.current_id))
    if await store.eraser.waiting():  # an erasure whose log a reader held when the bot stopped
        store.eraser.retry_in_background()
    try:
        async with store.transaction():
            await store.forget_old_updates()
            await deploy(VersionStore(store), questionnaire, str(settings.questionnaire or default_path()))
    except BaseException:
        await store.close()
        raise
    try:
        return await _build(settings, store, questionnaire, engine, catalogs)
    except BaseException:
        await store.close()  # a command must not hang at exit on an open connection
        raise


async def _build(settings: Settings, store: Store, questionnaire: Questionnaire, engine: Engine,
                 catalogs: Catalogs) -> Services:
    """Every service built whole, in the order they depend on each other: what a service needs
    is given to its constructor, nothing is set on it afterwards."""
    tz, quiet = settings.tz, settings.quiet_window()

    def association_screens(language: str | None) -> SuggestionScreens:
        return SuggestionScreens(catalogs.translator(language), engine, tz)

    links = StartLinks(settings.bot_username)  # the running bot learns its name from Telegram
    partners = PartnerService(store, engine, settings, association_screens, links)
    await partners.load()
    suggestions = SuggestionService(store, engine, catalogs, tz, quiet=quiet,
                                    interest_changed=[partners.workshops.interest_changed], offload=Offload())
    await suggestions.index.ensure()  # after a new questionnaire version: matching reads it anew
    privacy = PrivacyService(store, engine, tz, settings.retention_days, settings.retention_completed_days)
    # The office's messages: its "Reply" and the reply typed after it (asked first for typed text);
    # staff hear of a reply from the staff side, built below (looked up when a reply comes).
    staff: StaffService

    async def notify_staff(user_id: int) -> None:
        await staff.actions.notify_reply(user_id)
    mail = OfficeMail(store, catalogs, notify=notify_staff)
    contact_persons = ContactPersons(store, catalogs)
    # Completing a questionnaire: its cards (suggestions), contact requests to partners, then the
    # offer of a contact person for them (it reads the requests just made).
    survey = SurveyService(store, engine, catalogs, tz, facts=NoticeFacts.from_settings(settings),
                           companions=[mail, suggestions, privacy.choices, partners.requests, contact_persons],
                           links=links)
    voice = staff_voice(settings, engine)
    figures = FigureSource(store, engine, settings.uncovered_min)
    recipients = [*settings.staff_ids, *([settings.staff_chat_id] if settings.staff_chat_id else [])]
    digest = DigestService(store, figures, voice, recipients, settings.digest_schedule(), Offload(), settings)
    reminders = UnfinishedReminders(store, engine, survey, tz, settings.reminder_days, quiet)
    rounds = RoundService(store, survey, suggestions.later)
    staff = StaffService(store, engine, voice, settings.staff_ids, digest, figures, survey, suggestions, settings,
                         rounds, partners, mail)
    # What draws a queued row stored as data, by its type (`bot.outbox.composers`).
    composers = Composers({
        "push": suggestions.push_card,
        "reminder": suggestions.workshop_reminder,
        "nudge": reminders.compose,
        "partner_request": partners.requests.compose,
        "partner_answer": partners.answers.compose,
        "partner_contact_person": partners.requests.compose_contact_person,
        "partner_digest": partners.monthly.compose,
        "partner_interest": partners.workshops.compose,
        "office": mail.compose,
        "introduction": suggestions.introductions.compose,
    })
    return Services(settings, store, questionnaire, engine, catalogs, survey, suggestions, digest, staff, reminders,
                    privacy, rounds, partners, composers, mail, contact_persons, links)
