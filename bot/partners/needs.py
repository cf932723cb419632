"""The associations' needs in a partner's topics: counted per publication over those that agreed
to sharing, then protected (`bot.partners.disclosure`) before anyone outside the office sees a
figure. No free text, nothing one by one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from bot.partners.disclosure import THRESHOLD, Protected, protect
from bot.suggestions.index import stored_profile

MIN_SHOWN = THRESHOLD  # fewer associations than this are never shown
UNANSWERED = ""  # a profile without the answer: counted in the table, never shown


@dataclass
class TopicNeeds:
    """Exact counts: never shown, never stored."""

    topic: str
    total: int = 0  # associations that need help with the topic (any level above none)
    levels: Counter[str] = field(default_factory=Counter)  # scale option -> associations
    districts: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)  # languages they can follow a workshop in
    formats: Counter[str] = field(default_factory=Counter)
    times: Counter[str] = field(default_factory=Counter)


class PublishedNeeds(BaseModel):
    """One topic's figures as they may be shown: rounded, small cells left out (a category
    missing here is hidden or empty); `total` None when below the threshold."""

    topic: str
    total: int | None = None
    levels: dict[str, int] = Field(default_factory=dict)
    districts: dict[str, int] = Field(default_factory=dict)
    languages: dict[str, int] = Field(default_factory=dict)
    formats: dict[str, int] = Field(default_factory=dict)
    times: dict[str, int] = Field(default_factory=dict)
    change: int | None = None  # against the publication a month before: a difference of published totals


def count_needs(profiles: list[str], topics: list[str]) -> list[TopicNeeds]:
    """Per topic, from the index's stored profiles (JSON) of associations that agreed to sharing."""
    found = {topic: TopicNeeds(topic) for topic in topics}
    for text in profiles:
        profile = stored_profile(text)
        for topic, needs in found.items():
            if profile.intensity(topic) <= 0:
                continue
            needs.total += 1
            needs.levels[profile.levels.get(topic, UNANSWERED)] += 1
            needs.districts[profile.district or UNANSWERED] += 1
            needs.languages.update(profile.languages)
            needs.formats.update(profile.formats)
            needs.times.update(profile.times)
    return list(found.values())


def _shown(table: Protected[str]) -> dict[str, int]:
    return {k: n for k, n in table.cells.items() if k != UNANSWERED}


def published(needs: TopicNeeds) -> PublishedNeeds:
    """The protected figures of one topic. Levels and districts add up to the total (an
    unanswered district is a cell of its own); languages, formats and times overlap."""
    levels = protect(needs.levels, needs.total)
    if levels.total is None:
        return PublishedNeeds(topic=needs.topic)
    return PublishedNeeds(topic=needs.topic, total=levels.total, levels=_shown(levels),
                          districts=_shown(protect(needs.districts, needs.total)),
                          **{name: _shown(protect(getattr(needs, name))) for name in ("languages", "formats", "times")})
