"""The associations' needs in a partner's topics, counted and anonymised: no figure below
MIN_SHOWN associations, no free text, nothing one by one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.suggestions.index import stored_profile

MIN_SHOWN = 3  # fewer associations than this are shown as "fewer than 3"
MONTH = timedelta(days=30)


@dataclass
class TopicNeeds:
    topic: str
    total: int = 0  # associations that need help with the topic (any level above none)
    month_ago: int = 0  # of those, completed more than a month ago
    levels: Counter[str] = field(default_factory=Counter)  # scale option -> associations
    districts: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)  # languages they can follow a workshop in
    formats: Counter[str] = field(default_factory=Counter)
    times: Counter[str] = field(default_factory=Counter)


def count_needs(profiles: list[tuple[str, str | None]], topics: list[str], now: datetime) -> list[TopicNeeds]:
    """Per topic of the partner, from the index's stored profiles (JSON) and completion times."""
    found = {topic: TopicNeeds(topic) for topic in topics}
    month_ago = now - MONTH
    for text, completed_at in profiles:
        profile = stored_profile(text)
        older = completed_at is not None and datetime.fromisoformat(completed_at) <= month_ago
        for topic, needs in found.items():
            if profile.intensity(topic) <= 0:
                continue
            needs.total += 1
            needs.month_ago += older
            needs.levels[profile.levels.get(topic, "")] += 1
            if profile.district:
                needs.districts[profile.district] += 1
            needs.languages.update(profile.languages)
            needs.formats.update(profile.formats)
            needs.times.update(profile.times)
    return list(found.values())


def shown(counts: Counter[str]) -> tuple[list[tuple[str, int]], bool]:
    """The entries with at least MIN_SHOWN associations, most first, and whether others with
    fewer were left out."""
    kept = sorted(((k, n) for k, n in counts.items() if n >= MIN_SHOWN and k), key=lambda kn: (-kn[1], kn[0]))
    return kept, any(0 < n < MIN_SHOWN for n in counts.values())
