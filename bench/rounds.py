"""A city surveyed twice: `bench.dataset`'s associations as the first round, then a second
round in which most of them answer again, some needs lower, some higher, and some ask partner
organisations for contact. For the committee's report (its benchmark, its tests, the sample).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.dataset import DatasetSize, city
from bot.kernel.settings import Settings
from bot.questionnaire.engine import Engine

FIRST, SECOND = "2026", "2027"
STATES = ("accepted", "declined", "pending", "withdrawn")


async def two_rounds(settings: Settings, msos: int, answers: int, workshops: int, seed: int,
                     now: datetime | None = None, again: float = 0.7) -> DatasetSize:
    """`city`, then a second round opened at `now` that `again` of the completed associations
    answer within three weeks."""
    from bot.services import load_domain

    now = now or datetime.now(UTC)
    size = await city(settings, msos, answers, workshops, seed, now=now)
    _questionnaire, engine, _catalogs = load_domain(settings)
    await asyncio.to_thread(second_round, settings.database, engine, now, random.Random(seed + 1), again)
    return size


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def second_round(path: Path, engine: Engine, now: datetime, rng: random.Random, again: float) -> int:
    """Write the rounds and the second round's submissions; how many answered again."""
    matching = engine.questionnaire.matching
    assert matching is not None
    levels = list(matching.intensity)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        first_start = db.execute("SELECT MIN(started_at) FROM submissions").fetchone()[0] or _iso(now)
        opened = datetime.fromisoformat(first_start) - timedelta(minutes=1)
        db.execute("INSERT INTO rounds (id, name, opened_at, fanned_out_at) VALUES (1, ?, ?, ?)",
                   (FIRST, _iso(opened), _iso(opened)))
        db.execute("INSERT INTO rounds (id, name, opened_at, fanned_out_at) VALUES (2, ?, ?, ?)",
                   (SECOND, _iso(now), _iso(now)))
        db.execute("UPDATE submissions SET round_id = 1")
        partners = [row[0] for row in db.execute("SELECT id FROM partners ORDER BY id")]
        done = db.execute("SELECT id, user_id, organisation_id, questionnaire_id, questionnaire_version "
                          "FROM submissions WHERE completed_at IS NOT NULL ORDER BY id").fetchall()
        count = 0
        for previous, user, organisation, questionnaire, version in done:
            if rng.random() >= again:
                continue
            answers = {q: json.loads(v) for q, v in db.execute(
                "SELECT question_id, value FROM answers WHERE submission_id = ?", (previous,))}
            for topic, question in matching.needs.items():
                level = answers.get(question)
                if level in levels and rng.random() < 0.4:
                    answers[question] = levels[max(0, min(len(levels) - 1, levels.index(level) + rng.choice((-1, 1))))]
                _details(engine, answers, matching.details.get(topic),
                         matching.intensity.get(str(answers.get(question)), 0), rng)
            started = now + timedelta(days=rng.uniform(0, 20))
            completed = started + timedelta(minutes=rng.uniform(3, 30))
            cursor = db.execute(
                "INSERT INTO submissions (user_id, organisation_id, questionnaire_id, questionnaire_version, "
                "started_at, completed_at, round_id, previous_id) VALUES (?, ?, ?, ?, ?, ?, 2, ?)",
                (user, organisation, questionnaire, version, _iso(started), _iso(completed), previous))
            db.executemany("INSERT INTO answers (submission_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)",
                           [(cursor.lastrowid, q, json.dumps(v, ensure_ascii=False), _iso(completed))
                            for q, v in answers.items()])
            if partners and rng.random() < 0.15:
                state = rng.choice(STATES)
                db.execute("INSERT INTO contact_requests (user_id, submission_id, partner_id, topics, state, "
                           "created_at, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (user, cursor.lastrowid, rng.choice(partners), json.dumps(["bookkeeping"]), state,
                            _iso(completed), None if state == "pending" else _iso(completed + timedelta(days=2))))
            count += 1
        db.execute("COMMIT")
    finally:
        db.close()
    return count


def _details(engine: Engine, answers: dict[str, object], question: str | None, intensity: int,
             rng: random.Random) -> None:
    """The details question is shown for a big or urgent need only: drop or draw it to match."""
    if question is None:
        return
    if intensity < 2:
        answers.pop(question, None)
    elif question not in answers:
        asked = engine.question(question)
        options = [o.id for o in engine.choices(asked)] if asked else []
        if options:
            answers[question] = rng.sample(options, rng.randint(1, min(2, len(options))))
