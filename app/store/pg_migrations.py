"""The PostgreSQL store's schema, as an ordered list of migrations (the idea of
app/store/migrations.py: a `schema_version` table, one row per migration applied, each
migration one transaction, never edited once released, a newer schema left alone).

Several servers may share one database (issue 14's replicas) and start at once: a migration
runs under a transaction-scoped advisory lock, so each is applied by one of them only.
"""

from __future__ import annotations

import time
from typing import LiteralString

import psycopg

MIGRATIONS: list[tuple[str, LiteralString]] = [
    (
        "runs, with their size, and their events in compressed chunks",
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            scenario TEXT NOT NULL,
            mode TEXT NOT NULL,
            backend TEXT NOT NULL,
            limits TEXT NOT NULL,              -- JSON, as json.dumps wrote it
            created DOUBLE PRECISION NOT NULL, -- when the run started, Unix time
            stored DOUBLE PRECISION NOT NULL,  -- when it was written here
            token_sha256 TEXT NOT NULL,        -- the control token's digest, never the token
            supervisor INTEGER,
            events INTEGER NOT NULL,
            size BIGINT NOT NULL
        );
        CREATE INDEX runs_by_stored ON runs (stored);
        CREATE TABLE chunks (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            first INTEGER NOT NULL,            -- seq of its first event
            count INTEGER NOT NULL,
            codec TEXT NOT NULL,               -- app/store/codec.py
            data BYTEA NOT NULL,
            PRIMARY KEY (run_id, first)
        );
        """,
    ),
    (
        "a pasted program's C source, for its page once the run has left memory",
        "ALTER TABLE runs ADD COLUMN source TEXT",  # NULL: a scenario's or a composed program's
    ),
]
LATEST = len(MIGRATIONS)
LOCK_KEY = 0x70697065  # "pipe": pg_advisory_xact_lock's key for migrating


class NewerSchema(Exception):
    """The database was written by a newer pipescope."""


def version(db: psycopg.Connection) -> int:
    """The database's schema version: 0 for a new one."""
    if db.execute("SELECT to_regclass('schema_version')").fetchone() == (None,):
        return 0
    found = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(found[0] or 0) if found else 0


def migrate(db: psycopg.Connection, upto: int = LATEST) -> tuple[int, int]:
    """Apply the migrations the database lacks, up to `upto`: (version before, version
    after). `db` is in autocommit mode; each migration is one transaction."""
    before = version(db)
    if before > LATEST:
        raise NewerSchema(f"schema version {before}; this pipescope knows up to {LATEST}")
    for number in range(before + 1, upto + 1):
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied DOUBLE PRECISION NOT NULL)"
            )
            if version(db) >= number:  # another server applied it while we waited
                continue
            db.execute(MIGRATIONS[number - 1][1])
            db.execute("INSERT INTO schema_version VALUES (%s, %s)", (number, time.time()))
    return before, max(before, upto)
