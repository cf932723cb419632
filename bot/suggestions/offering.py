"""The best offers for one association, as cards: on completion and on /suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog.model import Partner, Workshop
from bot.kernel.outcome import Screen
from bot.outbox import screen_payload
from bot.questionnaire.engine import Answers
from bot.storage import Submission
from bot.storage.profiles import ProfileStore
from bot.storage.suggestions import SuggestionRow
from bot.suggestions.context import SuggestionContext
from bot.suggestions.index import stored_profile
from bot.suggestions.matching import Match, NeedProfile, build_profile, pick
from bot.suggestions.screens import SuggestionScreens, as_reasons
from bot.survey.turns import Turn

WORKSHOPS, PARTNERS, PEERS = 3, 2, 2
PEER_CANDIDATES = 30  # scored at most, after the index ordered them by shared strengths


@dataclass
class Known:
    """Catalog entries read already, by id."""

    workshops: dict[str, Workshop] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)


def full(workshop: Workshop, taken: dict[str, int]) -> bool:
    return workshop.capacity is not None and taken.get(workshop.id, 0) >= workshop.capacity


class Offering:
    def __init__(self, context: SuggestionContext) -> None:
        self.context = context
        self.store = context.store

    async def offer(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        user_id = submission.user_id
        profile = build_profile(user_id, answers, self.context.matching)
        known = Known()
        matches = await self.best(profile, known)
        user = await self.store.user(user_id)
        screens = self.context.screens(user.language if user else None)
        if not matches:
            turn.outcome.messages.append(screens.nothing_yet())
            return
        rows = await self.context.suggestions.upsert_for(
            user_id, [(m.kind, m.ref, m.score, [r.model_dump() for r in m.reasons]) for m in matches])
        cards = [screens.intro(len(matches))]
        for match, row in zip(matches, rows, strict=True):
            card = await self._card(screens, match, row, known=known)
            if card is not None:
                cards.append(card)
        await self.context.outbox.enqueue_many("reply", [(user_id, user_id, screen_payload(c), None) for c in cards])
        await self.store.log_event("suggestions_shown", user_id, submission.id,
                                   refs=[f"{m.kind}:{m.ref}" if m.kind != "peer" else "peer" for m in matches])

    async def best(self, profile: NeedProfile, known: Known | None = None) -> list[Match]:
        """The offers to show, best first; `known` gets the catalog entries read on the way."""
        known = known if known is not None else Known()
        now = self.store.now()
        states = await self.context.suggestions.states(profile.user_id)
        upcoming = await self.context.catalog.workshops(upcoming_after=now)
        taken = await self.context.suggestions.interest_counts("workshop", [w.id for w in upcoming if w.capacity])

        def open_(kind: str, ref: str) -> bool:
            return states.get((kind, ref)) not in ("interested", "dismissed")

        known.workshops.update((w.id, w) for w in upcoming)
        known.partners.update((p.id, p) for p in await self.context.catalog.partners())
        scorer = self.context.scorer
        workshops = [m for w in known.workshops.values()
                     if open_("workshop", w.id) and not full(w, taken)
                     and (m := scorer.workshop(profile, w, now)) is not None]
        partners = [m for p in known.partners.values()
                    if open_("partner", p.id) and (m := scorer.partner(profile, p)) is not None]
        introduced = await self.context.suggestions.introduced_with(profile.user_id)
        peers = []
        for other in await self._networking_profiles(profile):
            if other.user_id in introduced or not open_("peer", str(other.user_id)):
                continue
            match = scorer.peer(profile, other)
            if match is not None:
                peers.append(match)
        return pick(workshops, WORKSHOPS) + pick(partners, PARTNERS) + pick(peers, PEERS)

    async def _networking_profiles(self, profile: NeedProfile) -> list[NeedProfile]:
        """Associations that agreed to networking (the answer and the consent) with experience
        in a topic this one needs: the profile index picks at most PEER_CANDIDATES, those with the
        most of them first, so a completion costs the same with 200 associations or 20,000."""
        needed = [topic for topic, level in profile.needs.items() if level > 0]
        if not needed:
            return []
        return [stored_profile(p) for p in await ProfileStore(self.store).peers(profile.user_id, needed,
                                                                             PEER_CANDIDATES)]

    async def _card(self, screens: SuggestionScreens, match: Match, row: SuggestionRow,
                    known: Known) -> Screen | None:
        """The card for a match whose suggestion row is saved; `known`: catalog entries read
        already (a completion shows several cards at once)."""
        reasons = as_reasons(row.reasons)
        catalog = self.context.catalog
        if match.kind == "workshop":
            workshop = known.workshops.get(match.ref) or await catalog.workshop(match.ref)
            if workshop is None:
                return None
            provider = known.partners.get(workshop.provider) or await catalog.partner(workshop.provider)
            return screens.workshop_card(row.id, workshop, provider, reasons)
        if match.kind == "partner":
            partner = known.partners.get(match.ref) or await catalog.partner(match.ref)
            return screens.partner_card(row.id, partner, reasons) if partner else None
        district = await self.context.district_of(int(match.ref))
        return screens.peer_card(row.id, match.topic, district, reasons)
