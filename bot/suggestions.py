"""Suggestions back to the associations: on completion, on /suggestions, and when new offers
arrive; "Interested" / "Not for us"; calendar files and reminders; double opt-in introductions.

Everything that goes out is put in the durable outbox inside the same transaction as the
change that caused it, so a crash can neither lose a suggestion nor send one twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from bot.actions import Action, Kind
from bot.calendar_file import workshop_ics
from bot.catalog.model import Partner, Workshop
from bot.engine import Answers, Engine
from bot.i18n import Catalogs, Translator
from bot.matching import Match, NeedProfile, Reason, Scorer, build_profile, pick, profile_questions
from bot.outbox import Parcel, parcel_from_payload, screen_payload
from bot.screens import Document, Outcome, Screen
from bot.storage import Store, Submission
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.suggestions import SuggestionRow, SuggestionStore
from bot.suggestion_screens import SuggestionScreens, as_reasons
from bot.survey import SurveyService, Turn, Visitor

log = logging.getLogger(__name__)

WORKSHOPS, PARTNERS, PEERS = 3, 2, 2
PUSHES_PER_WEEK = 2
QUIET = (time(21, 0), time(8, 0))
REMINDER_AT = time(18, 0)  # the evening before
_CONTACT = re.compile(r"^\S.{1,198}\S$", re.DOTALL)


def quiet_hours_end(now: datetime, tz: tzinfo, quiet: tuple[time, time] | None = QUIET) -> datetime:
    """`now`, or the end of the quiet hours (local time) when `now` falls inside them."""
    if quiet is None:
        return now
    begin, end = quiet
    local = now.astimezone(tz)
    clock = local.time()
    inside = (begin <= clock or clock < end) if begin > end else (begin <= clock < end)
    if not inside:
        return now
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz)


def reminder_time(start: datetime, tz: tzinfo) -> datetime:
    day_before = start.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_AT, tzinfo=tz)


@dataclass
class Known:
    """Catalog entries read already, by id."""

    workshops: dict[str, Workshop] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)


class SuggestionService:
    kinds = frozenset({Kind.SUGGESTION, Kind.INTRO, Kind.PUSHES})

    def __init__(self, store: Store, engine: Engine, catalogs: Catalogs, tz: tzinfo,
                 wake: Callable[[], None] = lambda: None, quiet: tuple[time, time] | None = QUIET) -> None:
        matching = engine.questionnaire.matching
        if matching is None:
            raise ValueError("the questionnaire has no 'matching:' block")
        self.matching = matching
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.tz = tz
        self.wake = wake
        self.quiet = quiet
        self.scorer = Scorer(tz, dict(matching.places))
        self.catalog = CatalogStore(store)
        self.suggestions = SuggestionStore(store)
        self.outbox = OutboxStore(store)
        self.composers: dict[str, Callable[[OutboxRow], Awaitable[Parcel | None]]] = {}

    def later(self) -> datetime:
        """When an unsolicited message may go out: now, or after the quiet hours."""
        return quiet_hours_end(self.store.now(), self.tz, self.quiet)

    def attach(self, survey: SurveyService) -> None:
        self.survey = survey
        survey.companions.append(self)

    def screens(self, language: str | None) -> SuggestionScreens:
        return SuggestionScreens(self.catalogs.translator(language), self.engine, self.tz)

    # -- commands --------------------------------------------------------------------------

    async def show(self, visitor: Visitor) -> Outcome:
        """/suggestions: the current best, as cards through the outbox."""
        return await self.survey.run(visitor, None, self._show)

    async def settings(self, visitor: Visitor) -> Outcome:
        return await self.survey.run(visitor, None, self._settings)

    async def _show(self, turn: Turn) -> None:
        user = turn.user
        if user is None or user.consent_at is None:
            await self.survey.run_start(turn)
            return
        latest = await self.store.latest_completed(user.id)
        screens = self.screens(user.language)
        if latest is None:
            turn.outcome.messages.append(screens.complete_first())
            return
        await self._offer(turn, latest[0], latest[1])

    async def _settings(self, turn: Turn) -> None:
        user = turn.user
        if user is None or user.consent_at is None:
            await self.survey.run_start(turn)
            return
        turn.outcome.messages.append(self.screens(user.language).settings(user.pushes))

    # -- the survey's companion hooks --------------------------------------------------------

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        await self._offer(turn, submission, answers)

    async def press(self, turn: Turn, action: Action) -> None:
        user = turn.user
        screens = self.screens(user.language if user else None)
        if user is None or user.consent_at is None or (action.submission is None and action.kind is not Kind.PUSHES):
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        if action.kind is Kind.PUSHES:
            on = action.value == "on"
            await self.store.set_pushes(user.id, on)
            await self.store.log_event("pushes_changed", user.id, on=on)
            turn.outcome.source = screens.settings(on)
            return
        assert action.submission is not None
        if action.kind is Kind.INTRO:
            await self._decide(turn, screens, action.submission, action.value == "a")
        else:
            await self._answer(turn, screens, action.submission, action.value == "i")

    async def typed(self, turn: Turn, text: str) -> bool:
        """Typed contact details the bot asked for (introductions)."""
        user = turn.user
        if user is None or not user.awaiting:
            return False
        awaiting: dict[str, Any] = _json(user.awaiting)
        screens = self.screens(user.language)
        contact = text.strip()
        if not _CONTACT.match(contact):
            turn.outcome.messages.append(Screen(text="⚠️ " + screens.contact_invalid()))
            return True
        await self.store.set_awaiting(user.id, None)
        await self._save_contact(user.id, contact)
        if awaiting.get("do") == "request":
            suggestion = await self.suggestions.get(int(awaiting.get("suggestion", 0)))
            if suggestion is not None and suggestion.user_id == user.id:
                await self._request(turn, screens, suggestion, None)
                return True
        if awaiting.get("do") == "accept":
            await self._decide(turn, screens, int(awaiting.get("introduction", 0)), True)
            return True
        turn.outcome.toast = None
        return True

    # -- offering --------------------------------------------------------------------------

    async def _offer(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        user_id = submission.user_id
        profile = build_profile(user_id, answers, self.matching)
        known = Known()
        matches = await self.best(profile, known)
        user = await self.store.user(user_id)
        screens = self.screens(user.language if user else None)
        if not matches:
            turn.outcome.messages.append(screens.nothing_yet())
            return
        rows = await self.suggestions.upsert_for(
            user_id, [(m.kind, m.ref, m.score, [r.model_dump() for r in m.reasons]) for m in matches])
        cards = [screens.intro(len(matches))]
        for match, row in zip(matches, rows, strict=True):
            card = await self._card(screens, match, row, known=known)
            if card is not None:
                cards.append(card)
        await self.outbox.enqueue_many("reply", [(user_id, user_id, screen_payload(c), None) for c in cards])
        await self.store.log_event("suggestions_shown", user_id, submission.id,
                                   refs=[f"{m.kind}:{m.ref}" for m in matches])
        turn.after.append(self._wake)

    async def _wake(self) -> None:
        self.wake()

    async def best(self, profile: NeedProfile, known: Known | None = None) -> list[Match]:
        """The offers to show, best first; `known` gets the catalog entries read on the way."""
        known = known if known is not None else Known()
        now = self.store.now()
        states = await self.suggestions.states(profile.user_id)
        taken = await self.suggestions.interest_counts("workshop")

        def open_(kind: str, ref: str) -> bool:
            return states.get((kind, ref)) not in ("interested", "dismissed")

        known.workshops.update((w.id, w) for w in await self.catalog.workshops(upcoming_after=now))
        known.partners.update((p.id, p) for p in await self.catalog.partners())
        workshops = [m for w in known.workshops.values()
                     if open_("workshop", w.id) and not _full(w, taken)
                     and (m := self.scorer.workshop(profile, w, now)) is not None]
        partners = [m for p in known.partners.values()
                    if open_("partner", p.id) and (m := self.scorer.partner(profile, p)) is not None]
        introduced = await self.suggestions.introduced_with(profile.user_id)
        peers = []
        for submission, answers in await self._networking_profiles(profile):
            if submission.user_id in introduced or not open_("peer", str(submission.user_id)):
                continue
            match = self.scorer.peer(profile, build_profile(submission.user_id, answers, self.matching))
            if match is not None:
                peers.append(match)
        return pick(workshops, WORKSHOPS) + pick(partners, PARTNERS) + pick(peers, PEERS)

    async def _networking_profiles(self, profile: NeedProfile) -> list[tuple[Submission, Answers]]:
        """Associations open to networking with experience in a topic this one needs: the
        database picks them (reading every networking association took most of a completion's
        time at 2,000 of them)."""
        if self.matching.networking is None or self.matching.strengths is None:
            return []
        needed = [topic for topic, level in profile.needs.items() if level > 0]
        if not needed:
            return []
        engine, networking, strengths = self.engine, self.matching.networking, self.matching.strengths
        return await self.suggestions.completed_profiles(
            only=(engine.stored_ids([networking]), engine.stored_options(networking, ["yes"])),
            questions=engine.stored_ids(profile_questions(self.matching, Scorer.PEER_FIELDS)),
            any_of=(engine.stored_ids([strengths]), engine.stored_options(strengths, needed)))

    async def _card(self, screens: SuggestionScreens, match: Match, row: SuggestionRow,
                    heading: str | None = None, known: Known | None = None) -> Screen | None:
        """The card for a match whose suggestion row is saved; `known`: catalog entries read
        already (a completion shows several cards at once)."""
        known = known or Known()
        reasons = as_reasons(row.reasons)
        if match.kind == "workshop":
            workshop = known.workshops.get(match.ref) or await self.catalog.workshop(match.ref)
            if workshop is None:
                return None
            provider = known.partners.get(workshop.provider) or await self.catalog.partner(workshop.provider)
            return screens.workshop_card(row.id, workshop, provider, reasons, heading)
        if match.kind == "partner":
            partner = known.partners.get(match.ref) or await self.catalog.partner(match.ref)
            return screens.partner_card(row.id, partner, reasons) if partner else None
        district = await self._district_of(int(match.ref))
        return screens.peer_card(row.id, match.topic, district, reasons)

    async def _district_of(self, user_id: int) -> str | None:
        latest = await self.store.latest_completed(user_id)
        if latest is None or self.matching.district is None:
            return None
        value = latest[1].get(self.matching.district)
        return value if isinstance(value, str) else None

    # -- answers to cards ------------------------------------------------------------------

    async def _answer(self, turn: Turn, screens: SuggestionScreens, suggestion_id: int,
                      interested: bool) -> None:
        suggestion = await self.suggestions.get(suggestion_id)
        user = turn.user
        assert user is not None
        if suggestion is None or suggestion.user_id != user.id:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        text = await self._card_text(screens, suggestion)
        if text is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        if suggestion.state == "interested" and interested:
            turn.outcome.source_closed = True
            return
        if not interested:
            await self.suggestions.set_state(suggestion.id, "dismissed")
            if suggestion.kind == "workshop":
                await self.outbox.drop_pending(user.id, "dismissed", dedupe_key=_reminder_key(user.id, suggestion.ref))
            await self.store.log_event("suggestion_dismissed", user.id, offer=suggestion.kind, ref=suggestion.ref)
            turn.outcome.source = screens.dismissed(text)
            return
        if suggestion.kind == "workshop":
            await self._interested_in_workshop(turn, screens, suggestion)
        elif suggestion.kind == "partner":
            partner = await self.catalog.partner(suggestion.ref)
            assert partner is not None
            await self.suggestions.set_state(suggestion.id, "interested")
            await self.store.log_event("suggestion_interested", user.id, offer="partner", ref=partner.id)
            turn.outcome.source = screens.partner_contact(partner)
        else:
            await self._request(turn, screens, suggestion, text)

    async def _card_text(self, screens: SuggestionScreens, suggestion: SuggestionRow) -> str | None:
        """The card's text without reasons and buttons; None when the offer is gone."""
        if suggestion.kind == "workshop":
            workshop = await self.catalog.workshop(suggestion.ref)
            if workshop is None or workshop.start <= self.store.now():
                return None
            return screens.workshop_text(workshop, await self.catalog.partner(workshop.provider))
        if suggestion.kind == "partner":
            partner = await self.catalog.partner(suggestion.ref)
            return screens.partner_text(partner) if partner else None
        peer = await self.store.user(int(suggestion.ref))
        if peer is None:
            return None
        topic = next((r.get("topic") for r in suggestion.reasons if r.get("topic")), None)
        return screens.peer_text(topic, await self._district_of(peer.id))

    async def _interested_in_workshop(self, turn: Turn, screens: SuggestionScreens,
                                      suggestion: SuggestionRow) -> None:
        user = turn.user
        assert user is not None
        workshop = await self.catalog.workshop(suggestion.ref)
        assert workshop is not None
        provider = await self.catalog.partner(workshop.provider)
        await self.suggestions.set_state(suggestion.id, "interested")
        await self.store.log_event("suggestion_interested", user.id, offer="workshop", ref=workshop.id)
        document = self.calendar_file(screens, workshop, provider.name if provider else None)
        await self.outbox.enqueue(user.id, user.id, "reply", document.payload(),
                                  dedupe_key=f"ics:{user.id}:{workshop.id}:{suggestion.id}")
        remind_at = reminder_time(workshop.start, self.tz)
        reminder = remind_at > self.store.now()
        if reminder:
            key = _reminder_key(user.id, workshop.id)
            if await self.outbox.enqueue(user.id, user.id, "reminder", {"type": "reminder", "workshop": workshop.id},
                                         not_before=remind_at, dedupe_key=key) is None:
                await self.outbox.revive(key, remind_at)  # interested again after "Not for us"
        turn.outcome.source = screens.workshop_noted(workshop, provider, reminder)
        turn.after.append(self._wake)

    def calendar_file(self, screens: SuggestionScreens, workshop: Workshop, provider: str | None) -> Document:
        location = "Online" if workshop.online else f"{workshop.address} ({screens.district(workshop.district)})"
        title = workshop.text("title", screens.t.code) or workshop.id
        description = "\n\n".join(p for p in (workshop.text("description", screens.t.code), provider,
                                              screens.registration(workshop)) if p)
        content = workshop_ics(workshop.id, title, workshop.start, workshop.end, location, description,
                               workshop.registration.link, self.store.now())
        return Document(filename=f"{workshop.id}.ics", content=content, caption=screens.calendar_caption(),
                        mime_type="text/calendar")

    # -- introductions ---------------------------------------------------------------------

    async def _contact(self, user_id: int) -> str | None:
        latest = await self.store.latest_completed(user_id)
        if latest is None or self.matching.contact is None:
            return None
        value = latest[1].get(self.matching.contact)
        return value if isinstance(value, str) and value.strip() else None

    async def _save_contact(self, user_id: int, contact: str) -> None:
        latest = await self.store.latest_completed(user_id)
        if latest is not None and self.matching.contact is not None:
            await self.store.save_answer(latest[0].id, self.matching.contact, contact)

    async def _request(self, turn: Turn, screens: SuggestionScreens, suggestion: SuggestionRow,
                       text: str | None) -> None:
        user = turn.user
        assert user is not None
        peer_id = int(suggestion.ref)
        peer = await self.store.user(peer_id)
        if peer is None or await self.suggestions.introduction_between(user.id, peer_id) is not None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        if await self._contact(user.id) is None:
            await self.store.set_awaiting(user.id, {"do": "request", "suggestion": suggestion.id})
            turn.outcome.source_closed = True
            turn.outcome.messages.append(screens.ask_contact())
            return
        await self.suggestions.set_state(suggestion.id, "interested")
        topic = next((r.get("topic") for r in suggestion.reasons if r.get("topic")), None)
        introduction = await self.suggestions.request_introduction(user.id, peer_id, topic)
        await self.store.log_event("introduction_requested", user.id, introduction=introduction.id)
        peer_screens = self.screens(peer.language)
        request = peer_screens.introduction_request(
            introduction.id, await self.store.organisation_name(user.id), await self._district_of(user.id), topic)
        await self.outbox.enqueue(peer_id, peer_id, "introduction", screen_payload(request),
                                  not_before=self.later(), about_user=user.id)
        done = screens.request_sent(text or screens.peer_text(topic, await self._district_of(peer_id)))
        if text is None:
            turn.outcome.messages.append(done)
        else:
            turn.outcome.source = done
        turn.after.append(self._wake)

    async def _decide(self, turn: Turn, screens: SuggestionScreens, introduction_id: int, accept: bool) -> None:
        user = turn.user
        assert user is not None
        introduction = await self.suggestions.introduction(introduction_id)
        if introduction is None or introduction.to_user != user.id or introduction.state != "requested":
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        requester = await self.store.user(introduction.from_user)
        turn.outcome.source_closed = True
        if requester is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        if accept and await self._contact(user.id) is None:
            await self.store.set_awaiting(user.id, {"do": "accept", "introduction": introduction.id})
            turn.outcome.messages.append(screens.ask_contact())
            return
        await self.suggestions.decide(introduction.id, accept)
        await self.store.log_event("introduction_accepted" if accept else "introduction_declined", user.id,
                                   introduction=introduction.id)
        requester_screens = self.screens(requester.language)
        later = self.later()
        if not accept:
            turn.outcome.messages.append(screens.declined_by_you())
            await self.outbox.enqueue(requester.id, requester.id, "introduction",
                                      screen_payload(requester_screens.introduction_declined()), not_before=later)
        else:
            mine = await self.store.organisation_name(user.id), await self._contact(user.id)
            theirs = await self.store.organisation_name(requester.id), await self._contact(requester.id)
            turn.outcome.messages.append(screens.introduced(*theirs))
            await self.outbox.enqueue(requester.id, requester.id, "introduction",
                                      screen_payload(requester_screens.introduced(*mine)), not_before=later,
                                      about_user=user.id)
        turn.after.append(self._wake)

    # -- new offers ------------------------------------------------------------------------

    async def offers_added(self, workshop_ids: list[str]) -> dict[int, list[str]]:
        """Push new workshops to the associations they fit: at most PUSHES_PER_WEEK per
        association, outside quiet hours, never to those who turned pushes off or blocked the bot."""
        pushed: dict[int, list[str]] = {}
        async with self.store.transaction():
            now = self.store.now()
            workshops = [w for w in [await self.catalog.workshop(i) for i in workshop_ids] if w and w.start > now]
            if not workshops:
                return pushed
            recipients = await self.suggestions.push_recipients()
            taken = await self.suggestions.interest_counts("workshop")
            send_at = self.later()
            # Everything read in a few queries for all associations at once, not per association:
            # with thousands of them, the trips to the database would add up to seconds.
            recent = await self.outbox.counts_since("push", now - timedelta(days=7))
            offered = await self.suggestions.offered("workshop", [w.id for w in workshops])
            planned: list[tuple[int, Match]] = []
            for submission, answers in await self.suggestions.completed_profiles(
                    questions=self.engine.stored_ids(profile_questions(self.matching))):
                user_id = submission.user_id
                if user_id not in recipients:
                    continue
                room = PUSHES_PER_WEEK - recent.get(user_id, 0)
                if room <= 0:
                    continue
                profile = build_profile(user_id, answers, self.matching)
                matches = [m for w in workshops if (user_id, w.id) not in offered and not _full(w, taken)
                           and (m := self.scorer.workshop(profile, w, now)) is not None]
                planned += [(user_id, m) for m in sorted(matches, key=lambda m: (-m.score, m.ref))[:room]]
            for user_id, ref in await self._push_cards(planned, workshops, recipients, send_at):
                pushed.setdefault(user_id, []).append(ref)
            await self.store.log_event("offers_pushed", None, workshops=[w.id for w in workshops],
                                       recipients=len(pushed))
        self.wake()
        return pushed

    async def _push_cards(self, planned: list[tuple[int, Match]], workshops: list[Workshop],
                          languages: dict[int, str], send_at: datetime) -> list[tuple[int, str]]:
        """The new-offer cards of `offers_added`, written in bulk (the suggestion rows, then the
        pushes); the (user, workshop) pairs whose push was queued now, not before."""
        ids = await self.suggestions.upsert_many(
            "workshop", [(user_id, m.ref, m.score, [r.model_dump() for r in m.reasons]) for user_id, m in planned])
        offers = {w.id: (w, await self.catalog.partner(w.provider)) for w in workshops}
        screens: dict[str, _OfferCards] = {}
        messages: list[tuple[int, int | None, dict[str, Any], str | None]] = []
        for (user_id, match), suggestion_id in zip(planned, ids, strict=True):
            language = languages[user_id]
            if language not in screens:
                screens[language] = _OfferCards(self.catalogs.translator(language), self.engine, self.tz)
            cards = screens[language]
            workshop, provider = offers[match.ref]
            card = cards.workshop_card(suggestion_id, workshop, provider, match.reasons, cards.new_offer_heading())
            messages.append((user_id, user_id, screen_payload(card), f"push:{user_id}:{match.ref}"))
        added = await self.outbox.enqueue_many("push", messages, not_before=send_at)
        return [(user_id, match.ref) for (user_id, match), new in zip(planned, added, strict=True) if new]

    async def workshops_changed(self, workshop_ids: list[str]) -> None:
        """A re-import moved a workshop: move its pending reminders with it."""
        async with self.store.transaction():
            for workshop_id in workshop_ids:
                workshop = await self.catalog.workshop(workshop_id)
                if workshop is None:
                    continue
                for user_id in await self.suggestions.interested_users("workshop", workshop_id):
                    await self.outbox.reschedule(_reminder_key(user_id, workshop_id),
                                                 reminder_time(workshop.start, self.tz))

    # -- composing due outbox rows -----------------------------------------------------------

    async def compose(self, row: OutboxRow) -> Parcel | None:
        parcel = parcel_from_payload(row.payload)
        if parcel is not None:
            return parcel
        other = self.composers.get(str(row.payload.get("type")))
        if other is not None:
            return await other(row)
        if row.payload.get("type") == "reminder" and row.user_id is not None:
            workshop = await self.catalog.workshop(str(row.payload.get("workshop")))
            user = await self.store.user(row.user_id)
            if workshop is None or user is None or workshop.start <= self.store.now():
                return None
            suggestion = await self.suggestions.find(user.id, "workshop", workshop.id)
            if suggestion is None or suggestion.state != "interested":
                return None
            return Parcel(kind="screen", screen=self.screens(user.language).reminder(workshop))
        log.warning("outbox row %s has an unknown payload type", row.id)
        return None


class _OfferCards(SuggestionScreens):
    """Cards of the same new offers for many readers of one language: each workshop's text and
    each set of reasons is rendered once (an instance lives for one `offers_added`)."""

    def __init__(self, t: Translator, engine: Engine, tz: tzinfo) -> None:
        super().__init__(t, engine, tz)
        self._texts: dict[tuple[str, str | None], str] = {}
        self._reasons: dict[tuple[tuple[tuple[str, Any], ...], ...], str] = {}

    def workshop_text(self, workshop: Workshop, provider: Partner | None) -> str:
        key = (workshop.id, provider.id if provider else None)
        if key not in self._texts:
            self._texts[key] = super().workshop_text(workshop, provider)
        return self._texts[key]

    def reasons(self, reasons: list[Reason]) -> str:
        key = tuple(tuple(r.__dict__.items()) for r in reasons)
        if key not in self._reasons:
            self._reasons[key] = super().reasons(reasons)
        return self._reasons[key]


def _full(workshop: Workshop, taken: dict[str, int]) -> bool:
    return workshop.capacity is not None and taken.get(workshop.id, 0) >= workshop.capacity


def _reminder_key(user_id: int, workshop_id: str) -> str:
    return f"reminder:{user_id}:{workshop_id}"


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
