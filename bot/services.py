"""Wiring in one place: everything the adapters need, opened and closed together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.consent.notice import NoticeFacts
from bot.digest.figures import FigureSource
from bot.digest.render import staff_voice
from bot.digest.service import DigestService
from bot.kernel.i18n import Catalogs
from bot.kernel.offload import Offload
from bot.kernel.settings import ConfigError, Settings
from bot.office.mail import OfficeMail
from bot.operations import backups
from bot.partners.service import PartnerService
from bot.privacy.service import PrivacyService
from bot.questionnaire import Questionnaire, default_path, load
from bot.questionnaire.deploy import deploy
from bot.questionnaire.engine import Engine
from bot.staff.jobs import Jobs
from bot.staff.service import StaffService
from bot.storage import Store, open_store
from bot.storage.versions import VersionStore
from bot.suggestions.service import SuggestionService
from bot.survey.reminders import UnfinishedReminders
from bot.survey.rounds import RoundService
from bot.survey.service import SurveyService

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
    mail: OfficeMail  # the office and one association, both ways

    # Queuing the rest of the broadcasts and rounds a stop interrupted, and the jobs command line
    # tools leave to the running bot (see `set_wake`).
    resuming: asyncio.Task[None] | None = field(default=None, init=False)
    doing_jobs: asyncio.Task[None] | None = field(default=None, init=False)

    def set_wake(self, wake: Callable[[], None]) -> None:
        """The outbox worker's doorbell, rung after anything is queued. It is set when the bot
        starts sending (`msobot run`): then, in the background, the messages of broadcasts and
        rounds that a stop interrupted are queued to the end, once each, and from then on the
        jobs of command line tools are done as they come (`bot.staff.jobs`)."""
        self.suggestions.wake = wake
        self.digest.wake = wake
        self.partners.monthly.wake = wake
        self.rounds.wake = wake
        self.mail.wake = wake
        if self.resuming is None:
            self.resuming = asyncio.create_task(self._resume(), name="resume fan-outs")
        if self.doing_jobs is None:
            jobs = Jobs(self.store, self.suggestions, self.rounds)
            self.doing_jobs = asyncio.create_task(jobs.keep(), name="jobs of command line tools")

    async def _resume(self) -> None:
        try:
            await self.staff.broadcast.resume()
            await self.rounds.resume()
        except Exception:  # tried again at the next start
            log.exception("queuing the rest of an interrupted broadcast or round failed")

    async def close(self) -> None:
        for task in (self.resuming, self.doing_jobs):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.staff.close()
        self.digest.offload.close()
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

    store = await open_store(settings.database, backup_first)
    store.answer_view, store.question_view = engine.current, engine.current_id
    if await store.eraser.waiting():  # an erasure whose log a reader held when the bot stopped
        store.eraser.retry_in_background()
    try:
        async with store.transaction():
            await store.forget_old_updates()
            await deploy(VersionStore(store), questionnaire, str(settings.questionnaire or default_path()))
    except BaseException:
        await store.close()
        raise
    survey = SurveyService(store, engine, catalogs, settings.tz, facts=NoticeFacts.from_settings(settings))
    suggestions = SuggestionService(store, engine, catalogs, settings.tz, quiet=settings.quiet_window())
    suggestions.attach(survey)
    await suggestions.index.ensure()  # after a new questionnaire version: matching reads it anew
    voice = staff_voice(settings, engine)
    offload = Offload()
    figures = FigureSource(store, engine, settings.uncovered_min)
    recipients = [*settings.staff_ids, *([settings.staff_chat_id] if settings.staff_chat_id else [])]
    digest = DigestService(store, figures, voice, recipients, settings.digest_schedule(), offload)
    staff = StaffService(store, engine, voice, settings.staff_ids, digest, figures, survey, suggestions, settings)
    reminders = UnfinishedReminders(store, engine, survey, settings.tz, settings.reminder_days,
                                    settings.quiet_window())
    suggestions.composers["nudge"] = reminders.compose
    privacy = PrivacyService(survey, settings.retention_days, settings.retention_completed_days)
    rounds = RoundService(store, survey, suggestions.later)
    staff.rounds = rounds
    partners = PartnerService(store, engine, settings)
    await partners.load()
    staff.partners = partners
    survey.companions.append(partners.requests)  # completing may ask partners for contact
    suggestions.composers["partner_request"] = partners.requests.compose
    suggestions.composers["partner_answer"] = partners.answers.compose
    suggestions.composers["partner_digest"] = partners.monthly.compose
    partners.answers.association_screens = suggestions.screens
    suggestions.composers["partner_interest"] = partners.workshops.compose
    suggestions.context.interest_changed.append(partners.workshops.interest_changed)
    mail = OfficeMail(store, catalogs)
    survey.companions.insert(0, mail)  # its "Reply" button and the reply typed after it (asked before the others)
    staff.actions.mail, mail.notify = mail, staff.actions.notify_reply
    return Services(settings, store, questionnaire, engine, catalogs, survey, suggestions, digest, staff, reminders,
                    privacy, rounds, partners, mail)
