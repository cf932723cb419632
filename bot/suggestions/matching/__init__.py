"""From answers to suggestions: a need profile, and scores a person can follow."""

from bot.suggestions.matching.profile import NeedProfile, build_profile, profile_questions
from bot.suggestions.matching.scoring import Match, Reason, Scorer, pick

__all__ = ["Match", "NeedProfile", "Reason", "Scorer", "build_profile", "pick", "profile_questions"]
