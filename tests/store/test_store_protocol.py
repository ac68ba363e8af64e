"""What every run store does (app/store/base.py), for each store in `conftest.stores`."""

from __future__ import annotations

import time

import pytest
from test_codec import events

from app.store.base import RunStore, StoredRun


def a_run(run_id: str, lines: list[str] | None = None, **changed: object) -> StoredRun:
    fields: dict[str, object] = {
        "id": run_id,
        "scenario": "hello-pipe",
        "mode": "step",
        "backend": "runner",
        "limits": {"wall_s": 300.0, "max_events": 20000},
        "created": 1764650000.25,
        "token_sha256": "ab" * 32,
        "supervisor": 4870,
        "lines": lines if lines is not None else events(50),
    }
    return StoredRun(**(fields | changed))  # type: ignore[arg-type]


def test_a_run_reads_back_as_it_was_put(store: RunStore) -> None:
    run = a_run("r1", events(3000))
    store.put(run)
    assert store.get("r1") == run
    assert store.get("nope") is None
    stats = store.stats()
    assert stats.runs == 1 and 0 < stats.size < sum(map(len, run.lines))


def test_putting_a_run_again_replaces_it(store: RunStore) -> None:
    store.put(a_run("r1", events(400)))
    newer = a_run("r1", events(20, seed=2), supervisor=None, scenario="eof")
    store.put(newer)
    assert store.get("r1") == newer
    assert store.stats().runs == 1


def test_delete_forgets_one_run(store: RunStore) -> None:
    store.put(a_run("r1"))
    store.put(a_run("r2"))
    assert store.delete("r1") is True
    assert store.delete("r1") is False
    assert store.get("r1") is None and store.get("r2") is not None


def test_retention_by_age_then_by_size_oldest_first(store: RunStore) -> None:
    for n in range(5):
        store.put(a_run(f"r{n}", events(200, seed=n)))
        time.sleep(0.01)  # stored one after the other
    size = store.stats().size
    now = time.time()
    assert store.sweep(now, 3600, size) == []  # young enough, small enough
    # Room for about three: the two oldest go.
    gone = store.sweep(now, 3600, size * 3 // 5 + 10)
    assert sorted(gone) == ["r0", "r1"]
    assert [store.get(f"r{n}") is not None for n in range(5)] == [False, False, True, True, True]
    # In ten days, every run is past an age of a week.
    assert sorted(store.sweep(now + 10 * 86400, 7 * 86400, size)) == ["r2", "r3", "r4"]
    assert store.stats().runs == 0


def test_a_pasted_programs_source_is_kept_with_its_run(store: RunStore) -> None:
    source = '#include <unistd.h>\n\nint main(void) {\n    write(1, "你好\\n", 7);\n}\n'
    run = a_run("p1", scenario="pasted", backend="strace", source=source)
    store.put(run)
    found = store.get("p1")
    assert found == run and found is not None and found.source == source
    assert a_run("r1").source is None  # a scenario's run has none, and reads back so
    store.put(a_run("r1"))
    assert store.get("r1") == a_run("r1")
    store.put(a_run("p1"))  # put again without one: it has none any more
    again = store.get("p1")
    assert again is not None and again.source is None
    # Retention by size counts the source: the same run with it takes its bytes more.
    without = store.stats().size
    store.put(run)
    assert store.stats().size - without == len(source.encode())


def test_what_is_kept_of_the_owner_is_the_digest(store: RunStore) -> None:
    store.put(a_run("r1", token_sha256="cd" * 32))
    found = store.get("r1")
    assert found is not None and found.token_sha256 == "cd" * 32


@pytest.mark.parametrize("count", [1, 20001])
def test_small_and_largest_runs(store: RunStore, count: int) -> None:
    run = a_run("big", events(count))
    store.put(run)
    found = store.get("big")
    assert found is not None and found.lines == run.lines
