"""A database the size the office might reach: many MSOs, their answers, a large catalog.

The schema comes from the real migrations (`bot.storage.connect`); the rows are then written
with plain `sqlite3` in bulk, which takes seconds where the bot's own one-answer-at-a-time path
would take an hour. Answers are drawn by `bench.answers` for the real questionnaire: completed
and unfinished questionnaires, in many languages, with suggestions, introductions and pushes of
the last week as the product would have left them.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import yaml

from bench.answers import full_answers, user_language
from bot.catalog.model import Partner, Workshop
from bot.consent.notice import NOTICE_VERSION
from bot.kernel.settings import Settings
from bot.questionnaire.engine import Engine
from bot.storage import connect

COMPLETED_SHARE = 0.6
FIRST_USER = 500_000


@dataclass(frozen=True)
class DatasetSize:
    msos: int
    completed: int
    answers: int
    workshops: int
    suggestions: int


async def create_schema(path: Path) -> None:
    db = await connect(path)
    await db.close()


async def city(settings: Settings, msos: int, answers: int, workshops: int, seed: int,
               now: datetime | None = None) -> DatasetSize:
    """The database at `settings.database` as the office might have it: `msos` associations
    (60 % completed), about `answers` answers, the sample partners, `workshops` workshops."""
    from bot.catalog.importer import SAMPLE, read_catalog, vocabulary
    from bot.kernel.i18n import Catalogs
    from bot.services import load_domain

    questionnaire, engine, _catalogs = load_domain(settings)
    partners = read_catalog(SAMPLE, vocabulary(questionnaire), settings.tz).partners
    await create_schema(settings.database)
    return await asyncio.to_thread(generate, settings.database, engine, Catalogs().languages, partners, settings.tz,
                                   msos, answers, workshops, random.Random(seed).randrange(1 << 30), now)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


class _Batches:
    """INSERTs collected per table and written with executemany every few thousand rows."""

    def __init__(self, db: sqlite3.Connection, size: int = 5000) -> None:
        self.db = db
        self.size = size
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def add(self, sql: str, row: tuple[Any, ...]) -> None:
        rows = self.rows.setdefault(sql, [])
        rows.append(row)
        if len(rows) >= self.size:
            self.flush(sql)

    def flush(self, sql: str | None = None) -> None:
        for statement in [sql] if sql else list(self.rows):
            self.db.executemany(statement, self.rows.pop(statement, []))


_USER = "INSERT INTO users (id, language, consent_at, created_at, pushes, blocked_at) VALUES (?, ?, ?, ?, ?, ?)"
_ORG = "INSERT INTO organisations (id, name, created_by, created_at) VALUES (?, ?, ?, ?)"
_SUBMISSION = ("INSERT INTO submissions (id, user_id, organisation_id, questionnaire_id, questionnaire_version, "
               "started_at, completed_at, cursor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_ANSWER = "INSERT INTO answers (submission_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)"
_SUGGESTION = ("INSERT OR IGNORE INTO suggestions (user_id, kind, ref, score, reasons, state, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_PUSH = ("INSERT INTO outbox (chat_id, user_id, purpose, payload, dedupe_key, not_before, state, attempts, "
         "created_at, sent_at) VALUES (?, ?, 'push', '{}', ?, ?, 'sent', 1, ?, ?)")
_INTRO = ("INSERT OR IGNORE INTO introductions (from_user, to_user, topic, state, created_at, decided_at) "
          "VALUES (?, ?, ?, ?, ?, ?)")


def workshops(count: int, rng: random.Random, engine: Engine, partners: list[Partner], now: datetime,
              tz: tzinfo) -> list[Workshop]:
    """A catalog of `count` workshops, half of them past, half in the coming six months."""
    matching = engine.questionnaire.matching
    assert matching is not None
    topics = [o.id for o in engine.questionnaire.option_sets[matching.topics]]
    districts = list(matching.places)
    languages = ["tr", "ar", "ru", "uk", "pl", "fa", "ku", "en"]
    result = []
    for n in range(count):
        day = (now + timedelta(days=rng.randint(-180, 180))).astimezone(tz).date()
        start = datetime(day.year, day.month, day.day, rng.choice((10, 14, 18, 19)), 0, tzinfo=tz)
        online = rng.random() < 0.25
        chosen = rng.sample(topics, rng.randint(1, 3))
        result.append(Workshop.model_validate({
            "id": f"w{n:05d}", "title": {"de": f"Workshop {n}: {', '.join(chosen)}", "en": f"Workshop {n}"},
            "description": {"de": "Ein Workshop für Vereine: Grundlagen, Beispiele und Zeit für Fragen."},
            "topics": chosen, "languages": ["de", *rng.sample(languages, rng.randint(0, 2))],
            "start": start, "end": start + timedelta(hours=2), "online": online,
            "address": None if online else "Neumarkt 10, 42103 Wuppertal",
            "district": None if online else rng.choice(districts), "provider": rng.choice(partners).id,
            "capacity": rng.choice((None, 12, 20, 30)), "registration": {"email": "anmeldung@example.org"},
            "cost": rng.choice((None, "0", "10.00")),
        }))
    return result


def generate(path: Path, engine: Engine, offered_languages: list[str], partners: list[Partner], tz: tzinfo,
             msos: int, answers: int, workshop_count: int, seed: int = 20261125,
             now: datetime | None = None) -> DatasetSize:
    """Fill a migrated, empty database at `path`; aims at `answers` answers over `msos` MSOs.
    `now`: the moment the data is as of (the clock when not given; fixed for the sample report)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    questionnaire = engine.questionnaire
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    batches = _Batches(db)
    created = now.isoformat()
    for partner in partners:
        db.execute("INSERT INTO partners (id, data, sample, created_at, updated_at) VALUES (?, ?, 0, ?, ?)",
                   (partner.id, partner.model_dump_json(), created, created))
    catalog = workshops(workshop_count, rng, engine, partners, now, tz)
    for workshop in catalog:
        db.execute("INSERT INTO workshops (id, data, starts_at, sample, created_at, updated_at) "
                   "VALUES (?, ?, ?, 0, ?, ?)", (workshop.id, workshop.model_dump_json(), _iso(workshop.start),
                                                 created, created))
    upcoming = [w.id for w in catalog if w.start > now]
    partner_ids = [p.id for p in partners]
    networking: list[int] = []
    used = completed_count = suggestion_count = 0
    typical = 28.0  # answers of a completed questionnaire, refined as we go
    for i in range(msos):
        user_id = FIRST_USER + i
        language = user_language(rng, offered_languages)
        started = now - timedelta(days=rng.uniform(0, 120), seconds=rng.uniform(0, 86400))
        batches.add(_USER, (user_id, language, _iso(started), _iso(started - timedelta(minutes=2)),
                            int(rng.random() < 0.9), _iso(now) if rng.random() < 0.03 else None))
        full = full_answers(engine, rng, i)
        order = list(full)
        # Unfinished questionnaires stop where the running total keeps close to `answers` overall.
        wanted = (answers - used) / (msos - i)
        complete = rng.random() < COMPLETED_SHARE
        if complete:
            kept = order
            typical = 0.95 * typical + 0.05 * len(order)
        else:
            unfinished = max(1.0, (wanted - COMPLETED_SHARE * typical) / (1 - COMPLETED_SHARE))
            kept = order[:max(1, min(len(order) - 1, round(unfinished * rng.uniform(0.3, 1.7))))]
        at = started
        for question_id in kept:
            at += timedelta(seconds=rng.uniform(5, 90))
            batches.add(_ANSWER, (i + 1, question_id, json.dumps(full[question_id], ensure_ascii=False), _iso(at)))
        used += len(kept)
        name = full.get(questionnaire.organisation_name or "") if questionnaire.organisation_name in kept else None
        batches.add(_ORG, (i + 1, name if isinstance(name, str) else None, user_id, _iso(started)))
        done = at + timedelta(seconds=30) if complete else None
        batches.add(_SUBMISSION, (i + 1, user_id, i + 1, questionnaire.id, questionnaire.version, _iso(started),
                                  _iso(done) if done else None, None if complete else order[len(kept)]))
        if not complete or done is None:
            continue
        completed_count += 1
        if "strengths" in full:  # asked only of associations that agreed to networking
            networking.append(user_id)
        for ref in rng.sample(upcoming, min(3, len(upcoming))):
            state = rng.choices(("shown", "interested", "dismissed"), weights=(70, 20, 10))[0]
            batches.add(_SUGGESTION, (user_id, "workshop", ref, 20.0, "[]", state, _iso(done), _iso(done)))
            suggestion_count += 1
        for ref in rng.sample(partner_ids, 2):
            batches.add(_SUGGESTION, (user_id, "partner", ref, 15.0, "[]", "shown", _iso(done), _iso(done)))
            suggestion_count += 1
        if rng.random() < 0.2:  # a new offer pushed to them this week
            sent = now - timedelta(days=rng.uniform(0, 6))
            batches.add(_PUSH, (user_id, user_id, f"push:{user_id}:bench", _iso(sent), _iso(sent), _iso(sent)))
    for _ in range(len(networking) // 10):
        a, b = rng.sample(networking, 2)
        at = now - timedelta(days=rng.uniform(0, 30))
        state = rng.choice(("requested", "accepted", "declined"))
        batches.add(_INTRO, (a, b, "bookkeeping", state, _iso(at), None if state == "requested" else _iso(at)))
    batches.flush()
    # As if every association had agreed to the current notice, those who asked to network
    # switching networking on.
    db.execute("UPDATE users SET notice_version = ? WHERE consent_at IS NOT NULL", (NOTICE_VERSION,))
    db.executemany("UPDATE users SET networking = 1 WHERE id = ?", [(user_id,) for user_id in networking])
    db.execute("COMMIT")
    db.close()
    return DatasetSize(msos=msos, completed=completed_count, answers=used, workshops=workshop_count,
                       suggestions=suggestion_count)


def new_workshops(path: Path, count: int, tz: tzinfo) -> Path:
    """A catalog file of `count` new workshops as staff might import: several topics, in
    one to three languages, on the coming evenings."""
    start = datetime.now(tz) + timedelta(days=10)
    topics = [["bookkeeping"], ["funding"], ["pr"], ["projects", "funding"], ["law"], ["volunteers"]]
    entries = [{
        "id": f"neu-{i:02d}", "title": {"de": f"Neuer Workshop {i}"}, "topics": topics[i % len(topics)],
        "languages": ["de", "tr", "ar"][: 1 + i % 3], "start": (start + timedelta(days=i)).strftime("%Y-%m-%dT18:00"),
        "end": (start + timedelta(days=i)).strftime("%Y-%m-%dT20:00"), "district": "elberfeld",
        "address": "Neumarkt 10, 42103 Wuppertal", "provider": "awo", "registration": {"email": "a@example.org"},
    } for i in range(count)]
    path.write_text(yaml.safe_dump({"workshops": entries}, allow_unicode=True), encoding="utf-8")
    return path
