"""From answers to suggestions: a need profile, and scores a person can follow."""

from bot.matching.profile import NeedProfile, build_profile, profile_questions
from bot.matching.scoring import Match, Reason, Scorer, pick

__all__ = ["Match", "NeedProfile", "Reason", "Scorer", "build_profile", "pick", "profile_questions"]
