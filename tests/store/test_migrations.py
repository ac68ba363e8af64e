"""A store written by an older pipescope is brought up to date, its runs kept; one written by
a newer pipescope is left alone, and the server keeps runs in memory."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import psycopg
from postgres_server import Cluster
from test_codec import events
from test_store_protocol import a_run

from app.store import pg_migrations
from app.store.codec import encode
from app.store.migrations import LATEST, MIGRATIONS, migrate, version
from app.store.opening import open_sqlite
from app.store.postgres import open_postgres
from app.store.salvage import salvage
from app.store.sqlite import FILE, SqliteStore, connect

LIMITS = {"wall_s": 10.0, "cpu_s": 5, "memory_mb": 512, "max_procs": 16, "max_events": 20000}
LIMITS |= {"max_recording_mb": 64}


def store_of_version(directory: Path, number: int, lines: list[str]) -> None:
    """A store file as pipescope wrote it at schema `number`, holding one run."""
    directory.mkdir(parents=True)
    db = connect(directory / FILE)
    migrate(db, upto=number)
    now = time.time()
    row = (
        "old",
        "eof",
        "live",
        "runner",
        json.dumps(LIMITS),
        now - 9,
        now,
        "ef" * 32,
        None,
    )
    db.execute(
        "INSERT INTO runs (id, scenario, mode, backend, limits, created, stored, token_sha256, "
        "supervisor, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*row, len(lines)),
    )
    if number >= 2:  # from version 2 on, pipescope wrote each run's size
        size = 256 + len(json.dumps(LIMITS)) + sum(len(c.data) for c in encode(lines))
        db.execute("UPDATE runs SET size = ? WHERE id = 'old'", (size,))
    for chunk in encode(lines):
        db.execute(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
            ("old", chunk.first, chunk.count, chunk.codec, chunk.data),
        )
    db.close()


def test_every_older_version_is_brought_up_to_date(tmp_path: Path) -> None:
    lines = events(500)
    for number in range(1, LATEST):
        directory = tmp_path / f"v{number}"
        store_of_version(directory, number, lines)
        opened = open_sqlite(directory)
        assert opened.store is not None
        assert opened.said is not None and "\n" not in opened.said
        assert f"schema version {number}" in opened.said and f"version {LATEST}" in opened.said
        assert "its 1 runs kept" in opened.said
        found = opened.store.get("old")
        assert found is not None and found.lines == lines and found.token_sha256 == "ef" * 32
        assert found.source is None  # kept before runs kept a pasted program's source
        # Version 2 gave each run its size: retention by size counts the old run too.
        assert opened.store.stats().size > sum(len(c.data) for c in encode(lines))
        # Version 3, a pasted program's source: the migrated store keeps it.
        pasted = a_run("pasted", scenario="pasted", source="int main(void) { return 0; }\n")
        opened.store.put(pasted)
        assert opened.store.get("pasted") == pasted
        opened.store.close()
        db = connect(directory / FILE)
        assert version(db) == LATEST
        db.close()
        # Opened again, there is nothing to say.
        again = open_sqlite(directory)
        assert again.said is None and again.store is not None
        again.store.close()


def test_the_runs_of_an_older_damaged_file_are_salvaged(tmp_path: Path) -> None:
    """A damaged file is set aside before it is migrated: what is copied out of it is read
    in the columns its version has."""
    lines = events(300)
    for number in range(1, LATEST):
        store_of_version(tmp_path / f"v{number}", number, lines)
        opened = open_sqlite(tmp_path / f"new{number}")
        assert isinstance(opened.store, SqliteStore)
        assert salvage(tmp_path / f"v{number}" / FILE, opened.store) == (1, 1)
        found = opened.store.get("old")
        assert found is not None and found.lines == lines and found.source is None
        opened.store.close()


def postgres_of_version(url: str, number: int, lines: list[str]) -> None:
    """A PostgreSQL database as pipescope left it at schema `number`, holding one run."""
    with psycopg.connect(url, autocommit=True) as db:
        pg_migrations.migrate(db, upto=number)
        now = time.time()
        db.execute(
            "INSERT INTO runs (id, scenario, mode, backend, limits, created, stored, "
            "token_sha256, supervisor, events, size) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            ("old", "eof", "live", "runner", json.dumps(LIMITS), now - 9, now, "ef" * 32, None,
             len(lines), 4096),
        )  # fmt: skip
        for chunk in encode(lines):
            db.execute(
                "INSERT INTO chunks VALUES (%s, %s, %s, %s, %s)",
                ("old", chunk.first, chunk.count, chunk.codec, chunk.data),
            )


def test_every_older_postgres_database_is_brought_up_to_date(postgres: Cluster) -> None:
    lines = events(500)
    for number in range(1, pg_migrations.LATEST):
        url = postgres.database()
        postgres_of_version(url, number, lines)
        store, said = open_postgres(url)
        assert store is not None and said is None, said
        found = store.get("old")
        assert found is not None and found.lines == lines and found.token_sha256 == "ef" * 32
        assert found.source is None
        pasted = a_run("pasted", scenario="pasted", source="int main(void) { return 0; }\n")
        store.put(pasted)
        assert store.get("pasted") == pasted
        store.close()
        with psycopg.connect(url) as db:
            assert pg_migrations.version(db) == pg_migrations.LATEST
        again, said = open_postgres(url)  # opened again, nothing to do
        assert again is not None and said is None and again.get("pasted") == pasted
        again.close()


def test_a_store_from_a_newer_pipescope_is_left_alone(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    store_of_version(directory, LATEST, events(10))
    db = connect(directory / FILE)
    db.execute("INSERT INTO schema_version VALUES (?, 0)", (LATEST + 1,))
    db.close()
    before = hashlib.sha256((directory / FILE).read_bytes()).hexdigest()
    opened = open_sqlite(directory)
    assert opened.store is None
    assert opened.said is not None and "newer pipescope" in opened.said
    assert "in memory only" in opened.said
    assert hashlib.sha256((directory / FILE).read_bytes()).hexdigest() == before


def test_migrations_are_numbered_by_their_place() -> None:
    assert LATEST == len(MIGRATIONS) >= 3
    assert all(title and script.strip() for title, script in MIGRATIONS)
    assert pg_migrations.LATEST == len(pg_migrations.MIGRATIONS) >= 2
    assert all(title and script.strip() for title, script in pg_migrations.MIGRATIONS)
