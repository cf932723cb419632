"""The monthly partner digest (issue 19, item 6): on the first working day of each month, at the
weekly digest's time of day in the office's time zone, every active partner contact gets, in its
language, the needs in its organisation's topics with the change, the organisation's open
contact requests, the interest in its upcoming workshops and the uncovered needs in its topics.

It is claimed in `partner_digests` in the transaction that queues its messages, as the weekly
digest is claimed in `digests`: a restart never sends it twice, and a bot that was down on the
day sends it when it is back. The partner figures are published in the same transaction
(`PartnerFigures`): the digest's needs are those `/needs` shows until the next publication,
protected (`bot.partners.disclosure`); the uncovered needs are read off them. The text is
written when queued and sent only while the contact's access is still open, so a revocation
stops a digest that waits in the outbox too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from babel.dates import format_date

from bot.catalog.model import Partner, Workshop
from bot.digest.figures import BIG, COVERAGE_WINDOW
from bot.digest.render import messages
from bot.kernel.outcome import Screen
from bot.kernel.settings import Settings
from bot.outbox import Parcel
from bot.partners.figures import PartnerFigures
from bot.partners.needs import PublishedNeeds
from bot.partners.requests import PURPOSE
from bot.partners.screens import PartnerScreens, title_of
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.partner_digests import PartnerDigestStore
from bot.storage.partners import PartnerContact, PartnerStore
from bot.storage.suggestions import SuggestionStore

log = logging.getLogger(__name__)

PAYLOAD_TYPE = "partner_digest"
WAITING_LONG = timedelta(days=7)  # an open contact request older than this is named apart
TOP_WORKSHOPS = 10


def first_working_day(year: int, month: int) -> date:
    """The month's first Monday to Friday. Public holidays are ignored (they differ by state; New
    Year's Day and Labour Day fall on a first): a digest sent on one waits in the chat until the
    contact is back at work, which does no harm."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def last_monthly(now: datetime, tz: tzinfo, at: time) -> datetime:
    """The latest first working day's digest time (local `at`) at or before `now`, in UTC."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    moment = datetime.combine(first_working_day(year, month), at, tzinfo=tz)
    if moment > local:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        moment = datetime.combine(first_working_day(year, month), at, tzinfo=tz)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class PartnerMonth:
    """One partner's own figures, in no language yet (the needs are the publication's)."""

    partner: Partner
    open_requests: int
    waiting_long: int  # of those, sent more than WAITING_LONG ago
    workshops: list[tuple[Workshop, int]]  # its upcoming workshops, soonest first; sharing associations interested
    covered: frozenset[str]  # topics with a workshop (anyone's) in the coverage window


class MonthlyDigest:
    def __init__(self, store: Store, engine: Engine, settings: Settings,
                 screens: Callable[[PartnerContact], PartnerScreens]) -> None:
        self.store = store
        self.engine = engine
        self.tz = settings.tz
        self.at = settings.digest_schedule()[1]  # the weekly digest's time of day
        self.uncovered_min = settings.uncovered_min
        self.screens = screens
        self.intensity = engine.questionnaire.matching.intensity if engine.questionnaire.matching else {}
        self.published = PartnerFigures(store, engine)
        self.contacts = PartnerStore(store)
        self.outbox = OutboxStore(store)

    def due(self) -> datetime:
        return last_monthly(self.store.now(), self.tz, self.at)

    async def send_due(self) -> bool:
        """Queue the digest of the latest first working day unless it was queued before. With no
        active contact it is claimed all the same: one who joins later starts next month."""
        due = self.due()
        claims = PartnerDigestStore(self.store)
        if await claims.claimed(due.isoformat()):
            return False
        contacts = [c for c in await self.contacts.contacts() if c.active]
        months = await self.figures({c.partner_id for c in contacts}, self.store.now())  # on the snapshot
        counted = await self.published.count()
        recipients = [c for c in contacts if c.partner_id in months]  # not those of a partner gone from the catalog
        async with self.store.transaction():
            if not await claims.claim(due.isoformat(), len(recipients)):
                return False
            await self.published.save(counted, "monthly")
            latest = await self.published.latest()
            assert latest is not None
            for contact in recipients:
                texts = self.texts(self.screens(contact), months[contact.partner_id], latest, due)
                for i, text in enumerate(texts):
                    # A partner contact is no user of the survey: the row belongs to the chat only.
                    await self.outbox.enqueue(contact.user_id, None, PURPOSE, {"type": PAYLOAD_TYPE, "text": text},
                                              dedupe_key=f"partner-digest:{due.isoformat()}:{contact.user_id}:{i}")
            await self.store.log_event("partner_digest_queued", None, due=due.isoformat(), recipients=len(recipients))
        log.info("monthly partner digest of %s queued for %d contacts", due.date().isoformat(), len(recipients))
        return True

    async def figures(self, partner_ids: set[str], now: datetime) -> dict[str, PartnerMonth]:
        """Per partner in the catalog, from one consistent snapshot."""
        if not partner_ids:
            return {}
        async with self.store.snapshot() as reader:
            catalog = CatalogStore(reader)
            partners = [p for p in await catalog.partners() if p.id in partner_ids]
            requests = await PartnerDigestStore(reader).open_requests((now - WAITING_LONG).isoformat())
            upcoming = await catalog.workshops(upcoming_after=now)
            theirs = [w for w in upcoming if w.provider in partner_ids]
            interest = await SuggestionStore(reader).interest_counts("workshop", [w.id for w in theirs], sharing=True)
        covered = frozenset(t for w in upcoming if w.start <= now + COVERAGE_WINDOW for t in w.topics)
        return {p.id: PartnerMonth(
            partner=p, open_requests=requests.get(p.id, (0, 0))[0], waiting_long=requests.get(p.id, (0, 0))[1],
            workshops=[(w, interest.get(w.id, 0)) for w in theirs if w.provider == p.id], covered=covered)
            for p in partners}

    def uncovered(self, month: PartnerMonth, needs: dict[str, PublishedNeeds]) -> list[tuple[str, int]]:
        """The partner's topics without a workshop soon, with the associations rating them big or
        urgent as published (the sum of published cells: nothing the needs block does not show)."""
        found = []
        for topic in dict.fromkeys(month.partner.topics):
            levels = needs[topic].levels if topic in needs else {}
            pressing = sum(n for level, n in levels.items() if self.intensity.get(level, 0) >= BIG)
            if topic not in month.covered and pressing and pressing >= self.uncovered_min:
                found.append((topic, pressing))
        return sorted(found, key=lambda tn: (-tn[1], tn[0]))

    def texts(self, s: PartnerScreens, month: PartnerMonth, latest: tuple[datetime, dict[str, PublishedNeeds]],
              due: datetime) -> list[str]:
        """The digest in the contact's language, as few messages as fit Telegram's limit."""
        _, ngettext, v = s._, s.voice.t.ngettext, s.voice
        name = month.partner.name
        label = format_date(due.astimezone(v.tz).date(), "LLLL y", locale=v.t.locale)
        head = "📆 " + _("Monthly digest for “{partner}”: {month}").format(partner=name, month=label)
        requests = ["📨 " + _("Contact requests from associations")]
        if month.open_requests:
            requests.append("• " + _("Open: {count}, of them waiting for more than seven days: {waiting}").format(
                count=v.n(month.open_requests), waiting=v.n(month.waiting_long)))
        else:
            requests.append("• " + _("No contact request is waiting for your answer."))
        workshops = ["📅 " + _("Interest in your upcoming workshops")]
        for workshop, interested in month.workshops[:TOP_WORKSHOPS]:
            title = title_of(v, workshop)
            when = v.t.datetime(workshop.start, v.tz)
            workshops.append(f"• {when} {title}: " + ngettext(
                "{count} association interested", "{count} associations interested", interested).format(
                count=v.n(interested)))
        if len(month.workshops) > TOP_WORKSHOPS:
            rest = len(month.workshops) - TOP_WORKSHOPS
            workshops.append("• " + ngettext("… and {count} more", "… and {count} more", rest).format(count=v.n(rest)))
        if not month.workshops:
            workshops.append("• " + _("The catalog lists no upcoming workshop of your organisation."))
        uncovered = ["⚠️ " + _("Uncovered needs in your topics: no workshop in the next eight weeks")]
        pressing = self.uncovered(month, latest[1])
        uncovered += ["• " + _("{topic}: {count} associations rate the need big or urgent").format(
            topic=v.topic(topic), count=s.count(n)) for topic, n in pressing]
        if pressing:
            uncovered.append(_("If you could offer a workshop on one of these, the integration office would be glad "
                               "to hear from you."))
        else:
            uncovered.append("• " + _("None: every frequent need in your topics has an upcoming workshop."))
        needs = [latest[1].get(t) or PublishedNeeds(topic=t) for t in dict.fromkeys(month.partner.topics)]
        blocks = [f"{head}\n\n{s.needs(name, needs, latest[0])}", *("\n".join(b) for b in
                                                                    (requests, workshops, uncovered))]
        return messages(blocks)

    async def compose(self, row: OutboxRow) -> Parcel | None:
        """Sent only while the contact's access is open (the text was written when queued)."""
        contact = await self.contacts.contact(row.chat_id)
        text = row.payload.get("text")
        if contact is None or not contact.active or not isinstance(text, str) or not text:
            return None
        return Parcel(kind="screen", screen=Screen(text=text))
