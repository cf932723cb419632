"""Versioned schema migrations 1 to 11 (12 and later: `migrations_from_v12.py`, where new ones
are appended); never edit one that has shipped. Each runs in its own transaction together with the
`PRAGMA user_version` bump, so a crash leaves the database at the old or the new version, never between."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable

import aiosqlite

from bot.storage.migrations_from_v12 import MIGRATIONS_FROM_V12

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


async def execute_script(db: aiosqlite.Connection, script: str) -> None:
    """Run statements one by one: `executescript` would commit the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            await db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:60]}")


async def _v1_initial(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,              -- Telegram user id
            language TEXT NOT NULL,
            consent_at TEXT,                     -- NULL until the privacy notice is accepted
            created_at TEXT NOT NULL,
            prompt_ref TEXT                      -- the message whose buttons are live
        );
        CREATE TABLE organisations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE submissions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
            questionnaire_id TEXT NOT NULL,
            questionnaire_version TEXT NOT NULL,
            started_at TEXT NOT NULL,
            completed_at TEXT,
            cursor TEXT                          -- question the user is looking at
        );
        CREATE INDEX submissions_user ON submissions(user_id);
        CREATE TABLE answers (
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            value TEXT NOT NULL,                 -- JSON; null means skipped
            answered_at TEXT NOT NULL,
            PRIMARY KEY (submission_id, question_id)
        );
        CREATE TABLE drafts (                    -- multiple-choice ticks before "Done"
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (submission_id, question_id)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            submission_id INTEGER REFERENCES submissions(id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_kind_at ON events(kind, at);
        CREATE TABLE processed_updates (
            update_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL
        );
        """)


async def _v2_suggestions(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        ALTER TABLE users ADD COLUMN pushes INTEGER NOT NULL DEFAULT 1;  -- 0: no unsolicited messages
        ALTER TABLE users ADD COLUMN blocked_at TEXT;                    -- Telegram said: bot blocked
        ALTER TABLE users ADD COLUMN awaiting TEXT;                      -- JSON: typed input expected
        CREATE TABLE partners (
            id TEXT PRIMARY KEY,
            data TEXT NOT NULL,                  -- JSON of the validated catalog entry
            sample INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE workshops (
            id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            starts_at TEXT NOT NULL,             -- UTC ISO, for "upcoming" queries
            sample INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX workshops_start ON workshops(starts_at);
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,                  -- workshop, partner, peer
            ref TEXT NOT NULL,                   -- workshop id, partner id, peer's user id
            score REAL NOT NULL,
            reasons TEXT NOT NULL,               -- JSON list, rendered in the reader's language
            state TEXT NOT NULL DEFAULT 'shown', -- shown, interested, dismissed
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (user_id, kind, ref)
        );
        CREATE INDEX suggestions_ref ON suggestions(kind, ref, state);
        CREATE TABLE introductions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            from_user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            to_user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            topic TEXT,
            state TEXT NOT NULL DEFAULT 'requested',  -- requested, accepted, declined
            created_at TEXT NOT NULL,
            decided_at TEXT,
            UNIQUE (from_user, to_user)
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,               -- reply, push, reminder, introduction
            payload TEXT NOT NULL,               -- JSON: what to send (see bot.outbox)
            dedupe_key TEXT UNIQUE,              -- one reminder per user and workshop, ...
            not_before TEXT NOT NULL,            -- UTC ISO
            state TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, dropped, failed
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX outbox_due ON outbox(state, not_before);
        CREATE INDEX outbox_user ON outbox(user_id, purpose, created_at);
        """)


async def _v3_staff(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        CREATE TABLE digests (
            period_end TEXT PRIMARY KEY,         -- UTC ISO of the scheduled time it covers up to
            claimed_at TEXT NOT NULL,            -- inserted in the transaction that queues it
            recipients INTEGER NOT NULL
        );
        CREATE TABLE staff_flows (               -- a staff member's guided conversation
            user_id INTEGER PRIMARY KEY,         -- (not in users: staff need not answer the survey)
            flow TEXT NOT NULL,                  -- workshop, broadcast
            step TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            staff_id INTEGER NOT NULL,
            topic TEXT,                          -- NULL: everyone; else MSOs rating it big or urgent
            text TEXT NOT NULL,
            recipients INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        ALTER TABLE workshops ADD COLUMN source TEXT NOT NULL DEFAULT 'import';  -- import, chat
        """)


async def _v4_privacy(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- A queued message that shows another user's data (an introduction names the other
        -- association) goes when that user deletes their data.
        ALTER TABLE outbox ADD COLUMN about_user INTEGER REFERENCES users(id) ON DELETE CASCADE;
        CREATE INDEX outbox_about ON outbox(about_user);
        CREATE INDEX answers_answered_at ON answers(answered_at);  -- retention: last activity
        """)


async def _v5_questionnaire_versions(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- Every questionnaire version the bot has run with, so that the next one can be
        -- compared with it (`msobot check`) before answers are read through it.
        CREATE TABLE questionnaire_versions (
            questionnaire_id TEXT NOT NULL,
            version TEXT NOT NULL,
            definition TEXT NOT NULL,            -- JSON: bot.questionnaire.versions.Definition
            deployed_at TEXT NOT NULL,
            PRIMARY KEY (questionnaire_id, version)
        );
        """)


async def _v6_rounds(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- The office asks the same associations again (a round a year); each round is its own
        -- submission, the earlier ones stay untouched. Submissions before the first round
        -- opened belong to no round.
        CREATE TABLE rounds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            opened_at TEXT NOT NULL
        );
        ALTER TABLE submissions ADD COLUMN round_id INTEGER REFERENCES rounds(id);
        -- The submission whose answers this one offers as defaults.
        ALTER TABLE submissions ADD COLUMN previous_id INTEGER REFERENCES submissions(id) ON DELETE SET NULL;
        """)


async def _v7_exactly_once(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- One bot per database: the process that holds this row (and renews its heartbeat)
        -- is the only one that receives updates and sends the outbox.
        CREATE TABLE lease (
            name TEXT PRIMARY KEY,               -- 'bot'
            holder TEXT NOT NULL,                -- random id of the holding process
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            command TEXT NOT NULL,               -- msobot run, msobot digest --send, ...
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL
        );
        -- Every update is stored before Telegram is told it arrived, and marked handled in the
        -- transaction of the work it causes; the payload goes once it is handled.
        CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            user_id INTEGER,
            payload TEXT,                        -- the update's JSON while it waits
            received_at TEXT NOT NULL,
            handled_at TEXT
        );
        CREATE INDEX inbox_waiting ON inbox(handled_at, update_id);
        CREATE INDEX inbox_user ON inbox(user_id);
        INSERT INTO inbox (update_id, received_at, handled_at) SELECT update_id, at, at FROM processed_updates;
        DROP TABLE processed_updates;
        -- A row being sent: claimed (state 'sending') in a committed transaction before the
        -- HTTP call, by one worker's attempt.
        ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
        ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
        """)


async def _v8_consent_per_purpose(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- Consent per purpose, with the version of the notice it was given to: the proof Art. 7(1)
        -- GDPR asks for. One row per decision; the users table holds the current state.
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,               -- survey, networking, partners
            given INTEGER NOT NULL,              -- 1 given, 0 declined or withdrawn
            notice_version TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX consents_user ON consents(user_id, id);
        ALTER TABLE users ADD COLUMN notice_version TEXT;      -- the notice they last agreed to
        ALTER TABLE users ADD COLUMN networking INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN sharing INTEGER NOT NULL DEFAULT 0;  -- name and needs to partners
        -- Those who agreed before: to the first notice, for storing their answers only.
        INSERT INTO consents (user_id, purpose, given, notice_version, at)
            SELECT id, 'survey', 1, '1', consent_at FROM users WHERE consent_at IS NOT NULL;
        UPDATE users SET notice_version = '1' WHERE consent_at IS NOT NULL;
        CREATE INDEX events_user ON events(user_id);
        """)
    # Events no longer name other users: a peer's user id in a suggestion event, the Telegram id
    # of someone refused a staff command.
    async with db.execute("SELECT id, kind, data FROM events WHERE kind IN ('suggestions_shown', 'staff_refused')") \
            as cursor:
        rows = list(await cursor.fetchall())
    for event_id, kind, data in rows:
        try:
            value = json.loads(data)
        except ValueError:
            value = {}
        if kind == "staff_refused":
            value.pop("telegram_user", None)
        else:
            value["refs"] = [ref if not str(ref).startswith("peer:") else "peer" for ref in value.get("refs", [])]
        await db.execute("UPDATE events SET data = ? WHERE id = ?", (json.dumps(value, ensure_ascii=False), event_id))


async def _v9_profile_index(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- What matching reads, kept up to date as questionnaires are completed and changed, so
        -- that a completion or a new workshop selects its candidates in SQL instead of reading
        -- every association's answers. Built from the answers at start when empty or outdated.
        CREATE TABLE profiles (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            profile TEXT NOT NULL,               -- JSON: the need profile (no name, no contact)
            networking INTEGER NOT NULL,         -- the questionnaire's answer (the consent is users.networking)
            updated_at TEXT NOT NULL
        );
        CREATE TABLE profile_terms (
            user_id INTEGER NOT NULL REFERENCES profiles(user_id) ON DELETE CASCADE,
            kind TEXT NOT NULL,                  -- need (a topic rated above none), language, strength
            value TEXT NOT NULL,
            PRIMARY KEY (kind, value, user_id)
        );
        CREATE INDEX profile_terms_user ON profile_terms(user_id);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """)


async def _v10_outbox_files(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- A large file to send (a staff export: megabytes) is kept beside its outbox row as it is,
        -- not as base64 in the row's JSON that every look at the queue would parse; it is
        -- deleted as soon as its row is settled.
        CREATE TABLE outbox_files (
            outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
            content BLOB NOT NULL
        );
        """)


async def _v11_partners(db: aiosqlite.Connection) -> None:
    await execute_script(db, """
        -- People at an organisation of the catalog (welfare associations, the adult education
        -- centre, the integration centre) who answer the associations' needs themselves.
        -- An invitation is a one-time link; only a hash of its token is kept.
        CREATE TABLE partner_invites (
            token_hash TEXT PRIMARY KEY,         -- sha256 of the 128-bit token in the link
            partner_id TEXT NOT NULL,
            created_by INTEGER,                  -- the staff member (NULL: msobot partner invite)
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by INTEGER
        );
        CREATE TABLE partner_contacts (
            user_id INTEGER PRIMARY KEY,         -- the contact's Telegram id
            partner_id TEXT NOT NULL,
            name TEXT,                           -- as Telegram gives it, for staff's list
            language TEXT NOT NULL,              -- de or en: the office's catalogs
            joined_at TEXT NOT NULL,
            last_active_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX partner_contacts_partner ON partner_contacts(partner_id);
        """)


MIGRATIONS: list[Migration] = [_v1_initial, _v2_suggestions, _v3_staff, _v4_privacy, _v5_questionnaire_versions,
                               _v6_rounds, _v7_exactly_once, _v8_consent_per_purpose, _v9_profile_index,
                               _v10_outbox_files, _v11_partners, *MIGRATIONS_FROM_V12]
