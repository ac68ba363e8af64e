"""The SQLite store's schema, as an ordered list of migrations.

The file says which it has in `schema_version` (one row per migration applied). Opening a
store applies the ones it lacks, each in its own transaction, in order: a store written by
an older pipescope is brought up to date, and one from a newer pipescope (a version this
code does not know) is left alone. A migration is never edited once released: a change is
a new one at the end, and tests/store/test_migrations.py opens a store of every older
version.
"""

from __future__ import annotations

import sqlite3
import time

MIGRATIONS: list[tuple[str, str]] = [
    (
        "runs and their events in compressed chunks",
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            scenario TEXT NOT NULL,
            mode TEXT NOT NULL,
            backend TEXT NOT NULL,
            limits TEXT NOT NULL,          -- JSON
            created REAL NOT NULL,         -- when the run started, Unix time
            stored REAL NOT NULL,          -- when it was written here
            token_sha256 TEXT NOT NULL,    -- the control token's digest, never the token
            supervisor INTEGER,
            events INTEGER NOT NULL
        );
        CREATE TABLE chunks (
            run_id TEXT NOT NULL,
            first INTEGER NOT NULL,        -- seq of its first event
            count INTEGER NOT NULL,
            codec TEXT NOT NULL,           -- app/store/codec.py
            data BLOB NOT NULL,
            PRIMARY KEY (run_id, first)
        );
        """,
    ),
    (
        "each run's size, for retention by size without reading its chunks",
        """
        ALTER TABLE runs ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
        UPDATE runs SET size = length(limits) + length(id) + length(scenario) + coalesce(
            (SELECT sum(length(data)) FROM chunks WHERE chunks.run_id = runs.id), 0);
        CREATE INDEX runs_by_stored ON runs (stored);
        """,
    ),
    # NULL for a scenario's run or a composed program's. No SQL comment on the column: SQLite
    # keeps an added column's text inside the table's CREATE statement, where a `--` would
    # hide the closing parenthesis.
    (
        "a pasted program's C source, for its page once the run has left memory",
        "ALTER TABLE runs ADD COLUMN source TEXT",
    ),
]
LATEST = len(MIGRATIONS)


class NewerSchema(Exception):
    """The file was written by a newer pipescope."""


def version(db: sqlite3.Connection) -> int:
    """The schema version of the file: 0 for a new one."""
    known = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if known is None:
        return 0
    found = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return int(found or 0)


def migrate(db: sqlite3.Connection, upto: int = LATEST) -> tuple[int, int]:
    """Apply the migrations the file lacks, up to `upto`: (version before, version after).
    `db` is in autocommit mode (isolation_level=None): each migration is one transaction."""
    before = version(db)
    if before > LATEST:
        raise NewerSchema(f"schema version {before}; this pipescope knows up to {LATEST}")
    for number in range(before + 1, upto + 1):
        _, script = MIGRATIONS[number - 1]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied REAL NOT NULL)"
            )
            for statement in _statements(script):
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?, ?)", (number, time.time()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return before, max(before, upto)


def _statements(script: str) -> list[str]:
    """A script's statements (ours hold no semicolon inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
