"""Versioned schema migrations from version 12 on (`migrations.py` holds 1 to 11 and reached the
size a module may have): append a function to MIGRATIONS_FROM_V12, never edit one that has shipped.

Each runs in the transaction `bot.storage.database.migrate` opened, one statement at a time
(`executescript` would commit it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite


async def _v12_fan_out(db: aiosqlite.Connection) -> None:
    # A broadcast or a round is recorded in the staff member's short unit of work; its messages
    # are queued after it, in short transactions of their own, and this is set once every one is
    # queued: until then, the rest is queued at the next start (the outbox's dedupe keys make a
    # repeat harmless). Earlier ones were queued in the transaction that recorded them.
    for statement in ("ALTER TABLE broadcasts ADD COLUMN fanned_out_at TEXT",
                      "ALTER TABLE rounds ADD COLUMN fanned_out_at TEXT",
                      "UPDATE broadcasts SET fanned_out_at = created_at",
                      "UPDATE rounds SET fanned_out_at = opened_at"):
        await db.execute(statement)


async def _v13_contact_requests(db: aiosqlite.Connection) -> None:
    # An association asked for contact with an organisation and agreed that its name and needs
    # may be passed on: one row per organisation asked, answered by one of its contacts.
    for statement in ("""
        CREATE TABLE contact_requests (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            partner_id TEXT NOT NULL,
            topics TEXT NOT NULL,                -- JSON: the topics it asked about
            state TEXT NOT NULL,                 -- pending, accepted, declined, withdrawn
            created_at TEXT NOT NULL,
            answered_at TEXT,
            answered_by INTEGER,                 -- the partner contact
            UNIQUE (submission_id, partner_id)
        )""", "CREATE INDEX contact_requests_partner ON contact_requests(partner_id, state)",
            "CREATE INDEX contact_requests_user ON contact_requests(user_id)"):
        await db.execute(statement)


async def _v14_partner_digests(db: aiosqlite.Connection) -> None:
    # The monthly partner digest, claimed like the weekly one (`digests`): the row is inserted in
    # the transaction that queues its messages, so a restart never sends it twice.
    await db.execute("""
        CREATE TABLE partner_digests (
            due_at TEXT PRIMARY KEY,             -- UTC ISO of the first working day's digest time
            claimed_at TEXT NOT NULL,
            recipients INTEGER NOT NULL          -- active partner contacts it was queued for
        )""")


async def _v15_proposals(db: aiosqlite.Connection) -> None:
    # A workshop a partner contact proposed through /workshop: it enters the catalog only when
    # staff approve it; a rejection carries the reason the partner is told.
    await db.execute("""
        CREATE TABLE proposals (
            id INTEGER PRIMARY KEY,
            partner_id TEXT NOT NULL,
            contact_id INTEGER NOT NULL,         -- the partner contact's Telegram id
            workshop TEXT NOT NULL,              -- JSON: the workshop as it would enter the catalog
            state TEXT NOT NULL,                 -- pending, approved, rejected
            reason TEXT,
            created_at TEXT NOT NULL,
            decided_at TEXT,
            decided_by INTEGER,
            workshop_id TEXT                     -- the catalog id once approved
        )""")


async def _v16_partner_figures(db: aiosqlite.Connection) -> None:
    # The figures partners see, published once (monthly, or when staff publish them) and already
    # protected (bot/partners/disclosure.py): no exact count is ever stored.
    await db.execute("""
        CREATE TABLE partner_figures (
            id INTEGER PRIMARY KEY,
            taken_at TEXT NOT NULL,
            reason TEXT NOT NULL,                -- monthly, staff
            figures TEXT NOT NULL                -- JSON: topic -> published (rounded, suppressed) figures
        )""")


async def _v17_no_peer_ids_in_events(db: aiosqlite.Connection) -> None:
    # "Not for us" on a peer card logged the other association's Telegram id as `ref`, kept after
    # that association's own /delete and shown in /mydata; it is logged by the suggestion's id now.
    await db.execute("UPDATE events SET data = json_remove(data, '$.ref') WHERE kind = 'suggestion_dismissed' "
                     "AND json_extract(data, '$.offer') = 'peer'")


async def _v18_events_go_with_their_user(db: aiosqlite.Connection) -> None:
    # An event of a user was kept with user_id set to NULL when the user was deleted (ON DELETE
    # SET NULL): an erasure that missed one left it behind, no longer anyone's but still about
    # them. Rebuilt so that a user's events go with the user (ON DELETE CASCADE).
    for statement in ("""
        CREATE TABLE events_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            submission_id INTEGER REFERENCES submissions(id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        )""", "INSERT INTO events_new (id, at, user_id, submission_id, kind, data) "
              "SELECT id, at, user_id, submission_id, kind, data FROM events",
            "DROP TABLE events", "ALTER TABLE events_new RENAME TO events",
            "CREATE INDEX events_kind_at ON events(kind, at)", "CREATE INDEX events_user ON events(user_id)"):
        await db.execute(statement)


async def _v19_progress_mark(db: aiosqlite.Connection) -> None:
    # How far the progress bar of a questionnaire has come (per mille): the bar never goes back,
    # even when an answer opens follow-up questions (issue 27).
    await db.execute("ALTER TABLE submissions ADD COLUMN progress INTEGER NOT NULL DEFAULT 0")


async def _v20_office(db: aiosqlite.Connection) -> None:
    # The office's web view (issue 28): one-time sign-in links a staff member asks for with /office
    # and the sessions they open; a workshop staff cancelled; messages between the office and an
    # association; the office's tasks. Only SHA-256 hashes of the tokens are kept: a copy of the
    # database lets nobody in.
    for statement in ("""
        CREATE TABLE office_links (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            used_at TEXT
        )""", """
        CREATE TABLE office_sessions (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL,
            csrf TEXT NOT NULL,                  -- the token every form of this session carries
            created_at TEXT NOT NULL,
            seen_at TEXT NOT NULL                -- ends after eight idle hours
        )""", "ALTER TABLE workshops ADD COLUMN cancelled_at TEXT",  # staff cancelled it: no longer offered
            """
        CREATE TABLE office_messages (           -- between the office and one association, both ways
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            direction TEXT NOT NULL,             -- out (staff wrote), in (the association replied)
            staff_id INTEGER,                    -- who wrote (out)
            language TEXT NOT NULL,              -- the language it is written in (out: de or en)
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""", "CREATE INDEX office_messages_user ON office_messages(user_id)", """
        CREATE TABLE tasks (                     -- the office's loose ends, each with an owner and a state
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,                  -- reply, not_our_field, via_office, no_contact, stale_request
            ref TEXT NOT NULL,                   -- what it is about (a message, a request), once per kind
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,  -- the association
            partner_id TEXT,
            owner INTEGER,                       -- the staff member who took it
            state TEXT NOT NULL DEFAULT 'open',  -- open, done
            created_at TEXT NOT NULL,
            done_at TEXT,
            done_by INTEGER,
            UNIQUE (kind, ref)
        )""", "CREATE INDEX tasks_state ON tasks(state, created_at)", "CREATE INDEX tasks_user ON tasks(user_id)"):
        await db.execute(statement)


async def _v21_contact_person(db: aiosqlite.Connection) -> None:
    # The association's contact person for the office and the partners it asked for contact
    # (issue 28): a third person's name (or role) and one way to reach them, given optionally
    # after completing the questionnaire or in /settings; goes with the association.
    # `version` counts the changes: a follow-up to partners names the one it was queued for.
    await db.execute("""
        CREATE TABLE contact_persons (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,                  -- a name or a role ("Vorsitzende")
            reach TEXT NOT NULL,                 -- a phone number or an e-mail address
            version INTEGER NOT NULL,
            given_at TEXT NOT NULL
        )""")


MIGRATIONS_FROM_V12: list[Callable[[aiosqlite.Connection], Awaitable[None]]] = [_v12_fan_out, _v13_contact_requests,
                                                                             _v14_partner_digests, _v15_proposals,
                                                                             _v16_partner_figures,
                                                                             _v17_no_peer_ids_in_events,
                                                                             _v18_events_go_with_their_user,
                                                                             _v19_progress_mark,
                                                                             _v20_office,
                                                                             _v21_contact_person]
