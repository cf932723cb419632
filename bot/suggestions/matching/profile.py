"""What an association needs and offers, read from its answers through the questionnaire's
`matching:` block (so staff can rename questions without touching this code)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, Field

from bot.questionnaire.model import Matching


class NeedProfile(BaseModel):
    user_id: int
    needs: dict[str, int] = Field(default_factory=dict)  # topic -> 0 (none) .. 3 (urgent)
    levels: dict[str, str] = Field(default_factory=dict)  # topic -> the scale option chosen
    details: dict[str, list[str]] = Field(default_factory=dict)
    languages: set[str] = Field(default_factory=set)
    formats: set[str] = Field(default_factory=set)
    times: set[str] = Field(default_factory=set)
    district: str | None = None
    strengths: set[str] = Field(default_factory=set)
    networking: bool = False
    contact: str | None = None
    wants_professionals: bool | None = None
    partner_kinds: set[str] = Field(default_factory=set)
    advice_topics: set[str] = Field(default_factory=set)

    def intensity(self, topic: str) -> int:
        return self.needs.get(topic, 0)


_QUESTION_OF = {"wants_professionals": "professionals"}  # NeedProfile field -> Matching entry, where they differ


def _set(answers: dict[str, Any], question: str | None) -> set[str]:
    value = answers.get(question or "")
    return {str(v) for v in value} if isinstance(value, list) else set()


def _one(answers: dict[str, Any], question: str | None) -> str | None:
    value = answers.get(question or "")
    return str(value) if isinstance(value, str) and value else None


def profile_questions(matching: Matching, fields: Collection[str] | None = None) -> frozenset[str]:
    """The questions `build_profile` reads for these NeedProfile fields (all by default):
    loading only their answers gives a profile with the same values in those fields."""
    wanted = set(NeedProfile.model_fields) - {"user_id"} if fields is None else set(fields)
    questions: list[str | None] = []
    for name in wanted:
        if name in ("needs", "levels"):
            questions += matching.needs.values()
        elif name == "details":
            questions += matching.details.values()
        else:
            questions.append(getattr(matching, _QUESTION_OF.get(name, name)))
    return frozenset(q for q in questions if q)


def build_profile(user_id: int, answers: dict[str, Any], matching: Matching) -> NeedProfile:
    needs: dict[str, int] = {}
    levels: dict[str, str] = {}
    for topic, question in matching.needs.items():
        level = _one(answers, question)
        if level is not None:
            levels[topic] = level
            needs[topic] = matching.intensity.get(level, 0)
    yes = {"yes": True, "no": False}
    return NeedProfile(
        user_id=user_id,
        needs=needs,
        levels=levels,
        details={t: sorted(chosen) for t, q in matching.details.items() if (chosen := _set(answers, q))},
        languages=_set(answers, matching.languages) - {"other"},
        formats=_set(answers, matching.formats),
        times=_set(answers, matching.times),
        district=_one(answers, matching.district),
        strengths=_set(answers, matching.strengths),
        # Without a networking question the privacy choice alone decides (it is checked where
        # peers are looked up): the answer no longer asks it twice.
        networking=_one(answers, matching.networking) == "yes" if matching.networking else True,
        contact=_one(answers, matching.contact),
        wants_professionals=yes.get(_one(answers, matching.professionals) or ""),
        partner_kinds=_set(answers, matching.partner_kinds),
        advice_topics=_set(answers, matching.advice_topics),
    )
