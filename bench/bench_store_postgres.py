"""The PostgreSQL run store: time to store and to load a 20,000-event run, beside the SQLite
store on the same runs at the same moment (the machine is shared: only the two side by side
compare).

The runs are bench_store.py's two real 20,000-event runs (`yes` to the terminal, and
`full-buffer` in 128-byte writes), made by a real server. PostgreSQL is Debian's, a cluster
of the bench's own on loopback (tests/postgres_server.py) with fsync on, as a server would
run it. Store: `put`, compressing included; load: `get` plus `Run.replayed`, what a request
for a run not in memory costs; best of 3.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _service import machine, server
from bench_store import FULL, YES, best, record, recorded
from postgres_server import Cluster, bin_dir

from app.runs.archive import Archive
from app.store.base import RunStore
from app.store.opening import open_sqlite, open_store


def measure(store: RunStore, run: dict[str, Any], lines: list[str]) -> tuple[float, float, int]:
    kept = record(run, lines)
    put = best(3, lambda: store.put(kept))
    archive = Archive(store)
    load = best(3, lambda: archive.load_now(kept.id))
    found = store.get(kept.id)
    assert found is not None and found.lines == lines
    return put, load, store.stats().size


def main() -> None:
    print(f"machine: {machine()}")
    found = bin_dir()
    assert found is not None, "PostgreSQL is not installed: scripts/system-deps.sh test"
    with server(max_recording_mb=256, wall_s=120) as srv:
        big = {"yes": recorded(srv, YES), "full-buffer": recorded(srv, FULL)}
    cluster = Cluster(found, fsync=True)
    try:
        cluster.start()
        for name, (run, lines) in big.items():
            text = sum(len(line) + 1 for line in lines)
            opened = open_store(Path("/nonexistent"), cluster.database())
            assert opened.store is not None
            pg = measure(opened.store, run, lines)
            opened.store.close()
            with tempfile.TemporaryDirectory() as data:
                local = open_sqlite(Path(data)).store
                assert local is not None
                lite = measure(local, run, lines)
                local.close()
            print(
                f"{name}: {len(lines)} events, {text / 1e6:.1f} MB of JSON, "
                f"{pg[2] / 1e6:.2f} MB stored; PostgreSQL store {pg[0] * 1000:.0f} ms, "
                f"load {pg[1] * 1000:.0f} ms; SQLite store {lite[0] * 1000:.0f} ms, "
                f"load {lite[1] * 1000:.0f} ms (best of 3)"
            )
    finally:
        cluster.destroy()


if __name__ == "__main__":
    main()
