"""Plausible answers to the real questionnaire, drawn from a seeded random generator.

Both the simulated board members of the conversation benchmark and the generated database of
the staff benchmark answer through `choose`, so the answers look like the ones the office will
get: most needs "none" or "some", a few "urgent", two or three languages, names and comments.
"""

from __future__ import annotations

import random
from typing import Any

from bot.questionnaire.engine import Answers, Engine
from bot.questionnaire.model import Question, QuestionType

NEED_LEVELS = (("none", 0.35), ("some", 0.30), ("big", 0.20), ("urgent", 0.15))
# The languages users pick in the bot, weighted roughly like Wuppertal's MSOs.
USER_LANGUAGES = (("de", 24), ("tr", 20), ("ar", 14), ("ru", 7), ("uk", 7), ("pl", 4), ("fa", 5), ("ku", 5),
                  ("en", 3), ("ro", 3), ("bg", 2), ("el", 2), ("it", 2), ("sq", 2))
_NAMES = ("Kulturverein", "Elternverein", "Frauenverein", "Jugendverein", "Bildungsverein", "Sportverein",
          "Moscheeverein", "Freundeskreis", "Integrationsverein", "Nachbarschaftsverein")
_PLACES = ("Oberbarmen", "Elberfeld", "Vohwinkel", "Ronsdorf", "Barmen", "Langerfeld", "Cronenberg",
           "Heckinghausen", "Uellendahl", "am Ölberg")
_COMMENTS = ("Wir brauchen vor allem Hilfe bei der Buchhaltung und bei Förderanträgen.",
             "Unsere Mitglieder arbeiten tagsüber, Workshops am Abend wären gut.",
             "Bitte mehr Angebote auf Türkisch und Arabisch.",
             "Wir suchen dringend einen Raum für unsere Treffen am Wochenende.",
             "Danke für die Umfrage!",
             "Die Jugendlichen in unserem Verein möchten sich mehr engagieren, aber es fehlt an Betreuung.")


def weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def user_language(rng: random.Random, offered: list[str]) -> str:
    pairs = tuple(p for p in USER_LANGUAGES if p[0] in offered) or ((offered[0], 1.0),)
    return weighted(rng, pairs)


def choose(engine: Engine, question: Question, rng: random.Random, number: int) -> Any:
    """One answer to `question`; None means skipped (only for optional questions)."""
    if not question.required and rng.random() < 0.3:
        return None
    options = [o.id for o in engine.choices(question)]
    kind = question.type
    if kind is QuestionType.SCALE:
        levels = dict(NEED_LEVELS)
        pairs = tuple((o, levels.get(o, 0.1)) for o in options)
        return weighted(rng, pairs)
    if kind is QuestionType.YESNO:
        return "yes" if rng.random() < 0.6 and "yes" in options else options[-1]
    if kind is QuestionType.SINGLE:
        return rng.choice(options)
    if kind is QuestionType.MULTI:
        low = max(1, question.min_choices or 0)
        high = min(len(options), question.max_choices or 3, 3)
        picked = set(rng.sample(options, rng.randint(low, max(low, high))))
        if "de" in options and rng.random() < 0.8:
            picked.add("de")
        return [o for o in options if o in picked]
    if kind is QuestionType.NUMBER:
        low, high = question.min_value or 1, question.highest() or 3000
        return rng.randint(max(low, 1960), min(high, 2025))
    return _text(question, rng, number)


def _text(question: Question, rng: random.Random, number: int) -> str:
    qid = question.id
    if qid == "org_name":
        text = f"{rng.choice(_NAMES)} {rng.choice(_PLACES)} {number} e.V."
    elif "contact" in qid:
        text = f"+49 202 {rng.randint(100000, 999999)}"
    elif "other" in qid:
        text = rng.choice(("Roma", "Eritreisch", "Vietnamesisch", "Tamilisch", "Kurdisch (Sorani)"))
    else:
        text = rng.choice(_COMMENTS)
    low, high = question.min_length or 1, question.max_length or 4000
    return text.ljust(low, ".")[:high]


def full_answers(engine: Engine, rng: random.Random, number: int) -> Answers:
    """A completed questionnaire: an answer to every question this association would see,
    in the order it sees them."""
    drafted = {q.id: choose(engine, q, rng, number) for _s, q in engine.questionnaire.questions()}
    if "networking" in engine.questionnaire.given:  # the privacy choice: most agree to networking
        drafted["networking"] = "yes" if rng.random() < 0.6 else "no"
    return {q.id: drafted[q.id] for q in engine.visible(drafted)}
