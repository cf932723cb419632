"""Every screen the bot can show an association, in one language, for a native reader to check
in an hour: scripted board members go through the real services on a throw-away database with
the sample catalog, and what they are shown is kept in order (`Shown`, by kind: `KINDS`).

Screens only a second association saying no, a changed privacy notice or the Telegram adapter
would bring are drawn with the same screen classes directly. Every screen is kept exactly as
the bot would send it.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from pathlib import Path

from bot.catalog.importer import SAMPLE, CatalogFileError, Parsed, read_catalog, vocabulary
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings, load_settings
from bot.review import account_scenes, drawn_scenes, later_scenes, member_scenes, office_scenes
from bot.review.offer_scenes import Offers
from bot.review.plan import revealing_answers
from bot.review.shown import KINDS, Shown
from bot.review.stage import Clock, Stage
from bot.review.survey_scenes import Questionnaire, complete, onboard, send
from bot.services import Domain, Services, load_domain, open_services
from bot.storage.catalog import CatalogStore

__all__ = ["KINDS", "Shown", "collect", "collect_all", "languages"]

# The scripted users: the one whose screens are kept, another association it is introduced to,
# one who stops half-way, one who says no to the privacy notice, one who joins the board.
MAIN, PEER, UNFINISHED, DECLINING, JOINING = 101, 102, 103, 104, 105
LEAD = timedelta(days=7)  # the clock starts this long before the first workshop of the sample
_DOMAINS: dict[tuple[object, ...], Domain] = {}
_SAMPLES: dict[tuple[str, str, str], Parsed | None] = {}


def languages(settings: Settings | None = None) -> list[str]:
    """Every language with a compiled catalog (offered to users or not: reviews come first)."""
    settings = settings or load_settings()
    return Catalogs(settings.locales_dir, default=settings.default_language).languages


async def collect(language: str, settings: Settings | None = None) -> list[Shown]:
    """Every screen in `language`, in the order a conversation meets them."""
    async with staged(language, settings or load_settings()) as stage:
        await play(stage)
        return stage.shown


async def collect_all(codes: Sequence[str] | None = None,
                      settings: Settings | None = None) -> dict[str, list[Shown]]:
    settings = settings or load_settings()
    return {code: await collect(code, settings) for code in (codes or languages(settings))}


async def collect_office(language: str, settings: Settings | None = None) -> list[Shown]:
    """What partner contacts and staff read, in a staff language (de or en), after the
    associations' script has run (the digest has something to count)."""
    settings = settings or load_settings()
    async with staged(language, settings, staff=True) as stage:
        await play(stage)
        stage.shown.clear()
        await office_scenes.office(stage)
        shown = stage.shown
    async with staged(language, settings, staff=True, sample=False) as stage:
        await office_scenes.first_days(stage)
        return shown + stage.shown


def office_languages(settings: Settings | None = None) -> list[str]:
    """The languages of the office's catalogs (staff.po)."""
    settings = settings or load_settings()
    return Catalogs(settings.locales_dir, default="de", domain=STAFF_DOMAIN).languages


@asynccontextmanager
async def staged(language: str, settings: Settings, staff: bool = False, sample: bool = True) -> AsyncIterator[Stage]:
    """The services on a throw-away database: the sample catalog, no quiet hours, every language
    on offer, the clock a week before the first sample workshop. `staff`: a staff member and the
    office's staff group, the staff language `language`; `sample=False`: the office's first day,
    no catalog imported and the web view switched off."""
    known = languages(settings)
    if language not in known:
        raise ValueError(f"no catalog for '{language}' (there are: {', '.join(known)})")
    with tempfile.TemporaryDirectory(prefix="msobot-gallery-") as folder:
        own = settings.model_copy(update={
            "database": Path(folder) / "gallery.sqlite3", "backup_dir": Path(folder) / "backups",
            "quiet_hours": "", "languages": [], "staff_ids": [office_scenes.STAFF] if staff else [],
            "staff_chat_id": office_scenes.STAFF_GROUP if staff else None,
            **({"staff_language": language} if staff else {}), **({} if sample else {"web_port": 0})})
        services = await open_services(own, _domain(own))
        # The digest's, the report's and the suggestions' jobs in a thread, not each in a fresh
        # process: the same functions, without starting Python for each (seconds a job here).
        services.digest.offload.in_process = services.suggestions.context.offload.in_process = True
        try:
            clock = Clock(await _sample_catalog(services) if sample else _start(services))
            services.store.clock = services.store.reader.clock = clock
            yield Stage(services, clock, language)
        finally:
            await services.close()


def _domain(settings: Settings) -> Domain:
    """The questionnaire, engine and catalogs, read once for all languages (reading the YAML
    took longer than a language's whole conversation)."""
    key = (settings.questionnaire, settings.locales_dir, settings.default_language)
    if key not in _DOMAINS:
        _DOMAINS[key] = load_domain(settings)
    return _DOMAINS[key]


def _sample(services: Services) -> Parsed | None:
    questionnaire, tz = services.questionnaire, services.settings.tz
    key = (questionnaire.id, questionnaire.version, services.settings.timezone)
    if key not in _SAMPLES:
        try:
            _SAMPLES[key] = read_catalog(SAMPLE, vocabulary(questionnaire), tz)
        except CatalogFileError:  # another questionnaire's topics: no suggestion cards then
            _SAMPLES[key] = None
    return _SAMPLES[key]


def _start(services: Services) -> datetime:
    """The time the clock starts at without the sample catalog: the first day of the sample's
    dates, the same on every run."""
    parsed = _sample(services)
    tz = services.settings.tz
    if parsed is None or not parsed.workshops:
        return datetime.now(tz).replace(minute=0, second=0, microsecond=0)
    first = min(w.start for w in parsed.workshops).astimezone(tz) - LEAD
    return datetime.combine(first.date(), time(10), tzinfo=tz)


async def _sample_catalog(services: Services) -> datetime:
    """Import the sample catalog; the time to start the clock at."""
    start = _start(services)
    parsed = _sample(services)
    if parsed is None:
        return start
    catalog = CatalogStore(services.store)
    async with services.store.transaction():
        await catalog.upsert_partners(parsed.partners, True)
        await catalog.upsert_workshops(parsed.workshops, True)
    return start


async def play(s: Stage) -> None:
    """The script: who does what, in order. The screens are kept by the scenes."""
    out = await onboard(s, PEER, consent="y10")  # another association, networking on: the peer card
    await complete(s, PEER, out, revealing_answers(s.engine, strengths_all=True))
    await s.delivered(PEER)
    out = await onboard(s, MAIN, consent="y01", keep=True)
    summary = await Questionnaire(s, MAIN).walk(out)
    await send(s, MAIN, summary)
    offers = Offers(s, MAIN, PEER)
    await offers.play()
    await account_scenes.account(s, MAIN)
    await account_scenes.declined(s, DECLINING)
    await later_scenes.resume(s, UNFINISHED)
    await later_scenes.new_round(s, MAIN)
    await later_scenes.reminders(s, UNFINISHED, MAIN, offers.noted)
    await later_scenes.office_message(s, MAIN)
    await later_scenes.contact_person(s, MAIN)
    await member_scenes.members(s, MAIN, JOINING, UNFINISHED)
    await account_scenes.delete(s, MAIN)
    await drawn_scenes.drawn(s)
