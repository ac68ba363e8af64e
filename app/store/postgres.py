"""The run store in PostgreSQL (psycopg 3), when `PIPESCOPE_DATABASE_URL` names one.

The same protocol (app/store/base.py), encoding (app/store/codec.py) and retention as the
SQLite store; schema and its versions: app/store/pg_migrations.py. One connection, shared by
the server's threads under a lock; compressing and decompressing happen outside it.

A database is a server that may be down when pipescope starts, or go away later: the store
connects when it is first used and again after a connection is lost, at most once per
`RECONNECT_S`. Meanwhile every call fails fast with StoreError (a run not written stays in
memory and is tried again later, app/runs/archive.py), and the log says it in one line when
the database is lost and one when it is back.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app.store.base import StoreAway, StoredRun, StoreError, StoreStats, StoreUnusable
from app.store.codec import Chunk, DamagedRun, decode
from app.store.pg_migrations import NewerSchema, migrate
from app.store.sqlite import encoded

log = logging.getLogger("pipescope.store")
CONNECT_TIMEOUT_S = 5
RECONNECT_S = 5.0  # a lost database is not asked again sooner: each try may take a while
# A peer that vanishes without a word (a cut cable) is found in about 25 s, not hours.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def where(url: str) -> str:
    """The database a URL names, for the log: host, port and name, never the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(a URL psycopg cannot read)"
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{host}{port}/{parts.get('dbname') or ''}"


class PostgresStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.where = where(url)
        self._db: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self._tried = 0.0  # when a connection was last tried and failed (monotonic)
        self._lost: str | None = None  # why the database is out of reach, once said
        self._reported: set[str] = set()  # damaged runs already said so

    def connect(self) -> None:
        """Connect now (at start): StoreError if the database cannot be reached,
        StoreUnusable if it is from a newer pipescope."""
        with self._lock:
            self._connection()

    def put(self, run: StoredRun) -> None:
        chunks, row = encoded(run)
        with self._transaction() as db:
            # The run's row first: it locks the run, so that two servers writing one run
            # (a retry, an import) wait for each other; then its chunks, anew.
            db.execute(
                "INSERT INTO runs (id, scenario, mode, backend, limits, created, stored, "
                "token_sha256, supervisor, events, size, source) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET scenario = excluded.scenario, "
                "mode = excluded.mode, backend = excluded.backend, limits = excluded.limits, "
                "created = excluded.created, stored = excluded.stored, "
                "token_sha256 = excluded.token_sha256, supervisor = excluded.supervisor, "
                "events = excluded.events, size = excluded.size, source = excluded.source",
                row,
            )
            db.execute("DELETE FROM chunks WHERE run_id = %s", (run.id,))
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO chunks (run_id, first, count, codec, data) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(run.id, c.first, c.count, c.codec, c.data) for c in chunks],
                )

    def get(self, run_id: str) -> StoredRun | None:
        try:
            with self._using() as db:
                row = db.execute(
                    "SELECT scenario, mode, backend, limits, created, token_sha256, supervisor, "
                    "events, source FROM runs WHERE id = %s",
                    (run_id,),
                ).fetchone()
                if row is None:
                    return None
                query = (
                    "SELECT first, count, codec, data FROM chunks WHERE run_id = %s ORDER BY first"
                )
                chunks = [Chunk(f, n, c, bytes(d)) for f, n, c, d in db.execute(query, (run_id,))]
        except StoreAway:
            return None  # the database is out of reach: said once, in _lose
        scenario, mode, backend, limits, created, digest, supervisor, events, source = row
        try:  # outside the lock
            return StoredRun(
                id=run_id,
                scenario=scenario,
                mode=mode,
                backend=backend,
                limits=json.loads(limits),
                created=created,
                token_sha256=digest,
                supervisor=supervisor,
                lines=decode(chunks, events),
                source=source,
            )
        except (ValueError, DamagedRun) as err:
            if run_id not in self._reported:
                self._reported.add(run_id)
                log.warning("pipescope: stored run %s cannot be read (%s): it is lost", run_id, err)
            return None

    def delete(self, run_id: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM runs WHERE id = %s", (run_id,)).rowcount > 0

    def sweep(self, now: float, max_age_s: float, max_size: int) -> list[str]:
        with self._using() as db:
            rows = db.execute("SELECT id, stored, size FROM runs ORDER BY stored DESC").fetchall()
        kept, gone = 0, []
        for run_id, stored, size in rows:
            kept += size
            if now - stored > max_age_s or kept > max_size:
                gone.append(run_id)
        if gone:
            with self._transaction() as db:
                db.execute("DELETE FROM runs WHERE id = ANY(%s)", (gone,))
        return gone

    def stats(self) -> StoreStats:
        with self._using() as db:
            found = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM runs").fetchone()
        runs, size = found if found else (0, 0)
        return StoreStats(runs=int(runs), size=int(size))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                db, self._db = self._db, None
                with suppress(psycopg.Error):
                    db.close()

    # -- the connection --------------------------------------------------------------------
    def _connection(self) -> psycopg.Connection:
        """The connection, made anew if there is none (under the lock)."""
        if self._db is not None and not self._db.closed:
            return self._db
        if self._lost is not None and time.monotonic() - self._tried < RECONNECT_S:
            raise StoreAway(f"the database {self.where} is out of reach ({self._lost})")
        try:
            conninfo = make_conninfo(self.url, connect_timeout=CONNECT_TIMEOUT_S, **KEEPALIVES)
            db = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as err:
            self._lose(err)
            raise StoreAway(f"the database {self.where} is out of reach ({self._lost})") from err
        try:
            migrate(db)
        except NewerSchema as err:
            db.close()
            raise StoreUnusable(
                f"the database {self.where} is from a newer pipescope ({err})"
            ) from err
        except psycopg.Error as err:
            db.close()
            self._lose(err)
            raise StoreAway(f"the database {self.where} cannot be used ({err})") from err
        if self._lost is not None:
            log.warning("pipescope: the run store %s can be reached again", self.where)
            self._lost = None
        self._db = db
        return db

    def _lose(self, err: psycopg.Error) -> None:
        """Forget the connection; say so once an outage."""
        self._tried = time.monotonic()
        why = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if self._lost is None:
            log.warning(
                "pipescope: the run store %s cannot be reached (%s): finished runs stay in "
                "memory and are written once it is back",
                self.where,
                why,
            )
        self._lost = why
        if self._db is not None:
            with suppress(psycopg.Error):
                self._db.close()
            self._db = None

    @contextmanager
    def _using(self) -> Iterator[psycopg.Connection]:
        with self._lock:
            db = self._connection()
            try:
                yield db
            except psycopg.OperationalError as err:  # the server went away, or the network
                self._lose(err)
                raise StoreAway(f"the database {self.where} is out of reach ({err})") from err
            except psycopg.Error as err:
                raise StoreError(f"{err} ({type(err).__name__})") from err

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        with self._using() as db, db.transaction():
            yield db


def open_postgres(url: str) -> tuple[PostgresStore | None, str | None]:
    """The store at `url` and what to say of it at start, in one line if anything."""
    store = PostgresStore(url)
    try:
        store.connect()
    except StoreUnusable as err:
        return None, f"pipescope: {err}: it is left as it is, and runs are kept in memory only"
    except StoreAway:
        pass  # said by the store, in one line; it connects again when it is next used
    return store, None
