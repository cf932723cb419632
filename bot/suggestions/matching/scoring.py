"""Scores that a person can follow: a few weighted, named parts, each kept as a Reason.

A workshop fits when it is about a topic the association needs and is taught in a language
it attends; format, time and distance then order the fitting ones. `pick` adds variety, so
three suggestions are not three bookkeeping courses.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from typing import Literal

from pydantic import BaseModel, Field

from bot.catalog.model import Partner, Workshop
from bot.suggestions.matching.profile import NeedProfile

# Points per part; a person can redo the sum from the reasons.
TOPIC = 10  # per intensity step (some 1, big 2, urgent 3) of the best-fitting topic
OTHER_TOPIC = 2  # per intensity step of each further topic the offer covers
ADVICE = 10  # a topic the association asked professionals for advice on
LANGUAGE = 6
FORMAT = 4
TIME = 4
PLACE = 4  # same district; less with distance, none beyond PLACE_RANGE_KM
PLACE_RANGE_KM = 10.0
KIND = 5  # the kind of organisation the association asked for
PEER_LANGUAGE = 3
VARIETY = 0.5  # a further suggestion on an already chosen topic counts half

ReasonKind = Literal["need", "advice", "strength", "language", "online", "district", "place",
                     "time", "kind"]


class Reason(BaseModel):
    kind: ReasonKind
    topic: str | None = None
    level: str | None = None  # the scale option the association chose
    value: str | None = None  # language code, district id, time slot, partner kind


class Match(BaseModel):
    kind: Literal["workshop", "partner", "peer"]
    ref: str
    topic: str
    score: float
    reasons: list[Reason] = Field(default_factory=list)


def time_slot(start: datetime, tz: tzinfo) -> str:
    local = start.astimezone(tz)
    if local.weekday() >= 5:
        return "weekends"
    return "evenings" if local.hour >= 17 else "daytime"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


class Scorer:
    def __init__(self, tz: tzinfo, places: dict[str, tuple[float, float]]) -> None:
        self.tz = tz
        self.places = places
        # A new workshop is scored against thousands of associations: its time slot and the
        # distances between districts are worked out once.
        self._near: dict[tuple[str, str], float] = {}
        self._slots: dict[datetime, str] = {}

    def closeness(self, a: str | None, b: str | None) -> float:
        """1 in the same district, falling to 0 at PLACE_RANGE_KM; 0 when unknown."""
        if a is None or b is None:
            return 0.0
        if a == b:
            return 1.0
        near = self._near.get((a, b))
        if near is None:
            known = a in self.places and b in self.places
            near = max(0.0, 1.0 - _km(self.places[a], self.places[b]) / PLACE_RANGE_KM) if known else 0.0
            self._near[(a, b)] = near
        return near

    def slot(self, start: datetime) -> str:
        found = self._slots.get(start)
        if found is None:
            found = self._slots[start] = time_slot(start, self.tz)
        return found

    def _topics(self, profile: NeedProfile, topics: list[str],
                advice: bool = False) -> tuple[str, float, list[Reason]] | None:
        """The best-fitting topic, the points for all fitting topics, and the reason."""
        rated = [(w, t) for t in topics if (w := self._weight(profile, t, advice)) > 0]
        if not rated:
            return None
        rated.sort(reverse=True)
        best_weight, best = rated[0]
        points = best_weight * TOPIC + sum(w * OTHER_TOPIC for w, _t in rated[1:])
        if profile.intensity(best) > 0:
            reason = Reason(kind="need", topic=best, level=profile.levels.get(best))
        else:
            reason = Reason(kind="advice", topic=best)
        return best, points, [reason]

    @staticmethod
    def _weight(profile: NeedProfile, topic: str, advice: bool) -> float:
        weight = float(profile.intensity(topic))
        if advice and topic in profile.advice_topics:
            weight = max(weight, ADVICE / TOPIC)
        return weight

    def workshop(self, profile: NeedProfile, workshop: Workshop, now: datetime) -> Match | None:
        if workshop.start <= now:
            return None
        fit = self._topics(profile, workshop.topics)
        if fit is None:
            return None
        topic, score, reasons = fit
        if profile.languages:
            shared = [c for c in workshop.languages if c in profile.languages]
            if not shared:
                return None  # a course they cannot follow is no help
            score += LANGUAGE
            reasons.append(Reason(kind="language", value=shared[0]))
        if workshop.online:
            reasons.append(Reason(kind="online"))
            if "online" in profile.formats:
                score += FORMAT
        else:
            if "workshop" in profile.formats:
                score += FORMAT
            near = self.closeness(profile.district, workshop.district)
            score += PLACE * near
            same = workshop.district == profile.district
            reasons.append(Reason(kind="district" if same else "place", value=workshop.district))
        slot = self.slot(workshop.start)
        if slot in profile.times:
            score += TIME
            reasons.append(Reason(kind="time", value=slot))
        return Match(kind="workshop", ref=workshop.id, topic=topic, score=round(score, 2), reasons=reasons)

    def partner(self, profile: NeedProfile, partner: Partner) -> Match | None:
        if profile.wants_professionals is False:
            return None  # they said they do not want contact with professional organisations
        fit = self._topics(profile, partner.topics, advice=True)
        if fit is None:
            return None
        topic, score, reasons = fit
        if partner.kind.value in profile.partner_kinds:
            score += KIND
            reasons.append(Reason(kind="kind", value=partner.kind.value))
        shared = [c for c in partner.languages if c in profile.languages and c != "de"]
        if shared:
            score += LANGUAGE
            reasons.append(Reason(kind="language", value=shared[0]))
        near = self.closeness(profile.district, partner.district)
        if near > 0:
            score += PLACE * near
            same = partner.district == profile.district
            reasons.append(Reason(kind="district" if same else "place", value=partner.district))
        return Match(kind="partner", ref=partner.id, topic=topic, score=round(score, 2), reasons=reasons)

    # What `peer` reads of the other association's profile: loading only these answers for the
    # hundreds of possible peers keeps a completed questionnaire quick (see profile_questions).
    PEER_FIELDS = ("networking", "strengths", "district", "languages")

    def peer(self, profile: NeedProfile, other: NeedProfile) -> Match | None:
        """Another association with experience in a topic this one needs, that agreed to network."""
        if other.user_id == profile.user_id or not other.networking:
            return None
        fit = self._topics(profile, sorted(other.strengths))
        if fit is None:
            return None
        topic, score, reasons = fit
        reasons.append(Reason(kind="strength", topic=topic))
        near = self.closeness(profile.district, other.district)
        score += PLACE * near
        if other.district:
            same = other.district == profile.district
            reasons.append(Reason(kind="district" if same else "place", value=other.district))
        shared = sorted(profile.languages & other.languages - {"de"})
        if shared:
            score += PEER_LANGUAGE
            reasons.append(Reason(kind="language", value=shared[0]))
        return Match(kind="peer", ref=str(other.user_id), topic=topic, score=round(score, 2), reasons=reasons)


def pick(matches: list[Match], count: int) -> list[Match]:
    """The best `count`, each further one on an already chosen topic counting VARIETY times less."""
    chosen: list[Match] = []
    left = sorted(matches, key=lambda m: (-m.score, m.ref))
    while left and len(chosen) < count:
        def effective(m: Match) -> float:
            return m.score * VARIETY ** sum(1 for c in chosen if c.topic == m.topic)
        # Ties go to the earlier one; the position comes with each match (looking it up with
        # `left.index` made this quadratic: a second per completed questionnaire at 800 peers).
        position, best = max(enumerate(left), key=lambda item: (effective(item[1]), -item[0]))
        chosen.append(best)
        del left[position]
    return chosen
