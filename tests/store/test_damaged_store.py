"""A damaged store file: the store opens anyway, says what happened in one line, keeps the
damaged file aside untouched, and loses no run that was whole in it."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import pytest
from test_codec import events
from test_store_protocol import a_run

from app.store.opening import open_sqlite
from app.store.sqlite import FILE, SqliteStore

SMALL = [f"small{n}" for n in range(6)]


def filled(directory: Path) -> dict[str, list[str]]:
    """A store of six small runs, then one large one (written last: at the file's end)."""
    opened = open_sqlite(directory)
    assert opened.store is not None
    kept = {run_id: events(300, seed=n) for n, run_id in enumerate(SMALL)}
    kept["large"] = events(40000, seed=99)
    for run_id, lines in kept.items():
        opened.store.put(a_run(run_id, lines))
    opened.store.close()
    return kept


def reopened(directory: Path) -> tuple[SqliteStore, str]:
    opened = open_sqlite(directory)
    assert isinstance(opened.store, SqliteStore), opened.said
    assert opened.said is not None and "\n" not in opened.said
    return opened.store, opened.said


def aside(directory: Path) -> Path:
    [found] = [
        p
        for p in directory.iterdir()
        if re.search(r"\.damaged-[0-9TZ-]+$", p.name) and not p.name.endswith(("-wal", "-shm"))
    ]
    return found


def whole(store: SqliteStore, kept: dict[str, list[str]]) -> list[str]:
    return [
        run_id for run_id, lines in kept.items() if (r := store.get(run_id)) and r.lines == lines
    ]


def test_a_truncated_file_gives_up_only_the_runs_it_cut(tmp_path: Path) -> None:
    kept = filled(tmp_path)
    path = tmp_path / FILE
    size = path.stat().st_size
    os.truncate(path, size - size // 4)  # the end of the large run
    cut = hashlib.sha256(path.read_bytes()).hexdigest()
    store, said = reopened(tmp_path)
    assert "damaged" in said and "6 of its 7 runs" in said, said
    assert whole(store, kept) == SMALL
    # The damaged file is kept aside exactly as it was found (salvage lengthened it a while).
    assert hashlib.sha256(aside(tmp_path).read_bytes()).hexdigest() == cut
    assert aside(tmp_path).name in said
    # The new store works: a run put now reads back.
    store.put(a_run("new"))
    assert store.get("new") is not None


def test_a_page_of_garbage_in_the_middle(tmp_path: Path) -> None:
    kept = filled(tmp_path)
    path = tmp_path / FILE
    with path.open("r+b") as file:
        file.seek(4096 * 2)  # past the header page: one of the tables' own pages
        file.write(b"\xa5" * 4096)
    store, said = reopened(tmp_path)
    assert "damaged" in said and "read back whole" in said
    saved = whole(store, kept)
    assert len(saved) >= 6, said  # a page holds one run's data at most
    assert f"the {len(saved)} of its" in said


def test_a_file_that_is_not_a_database_is_set_aside(tmp_path: Path) -> None:
    filled(tmp_path)
    path = tmp_path / FILE
    with path.open("r+b") as file:
        file.write(b"\0" * 100)  # its header gone
    store, said = reopened(tmp_path)
    assert "file is not a database" in said and aside(tmp_path).exists()
    assert store.stats().runs == 0
    store.put(a_run("new"))
    assert store.get("new") is not None


def test_an_empty_file_is_a_new_store(tmp_path: Path) -> None:
    (tmp_path / FILE).write_bytes(b"")
    store, said = reopened(tmp_path)
    assert "empty file" in said
    store.put(a_run("new"))
    assert store.get("new") is not None


def test_a_damaged_chunk_loses_its_run_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kept = filled(tmp_path)
    opened = open_sqlite(tmp_path)
    assert isinstance(opened.store, SqliteStore)
    [(blob,)] = opened.store._db.execute(
        "SELECT data FROM chunks WHERE run_id = 'small3'"
    ).fetchall()
    opened.store.close()
    data = (tmp_path / FILE).read_bytes()
    at = data.index(blob[40:80])  # a piece of that run's compressed events, in the file
    with (tmp_path / FILE).open("r+b") as file:
        file.seek(at + 10)
        file.write(bytes([data[at + 10] ^ 0xFF]))
    opened = open_sqlite(tmp_path)  # its b-trees are whole: nothing to say yet
    assert opened.said is None and isinstance(opened.store, SqliteStore)
    with caplog.at_level(logging.WARNING, "pipescope.store"):
        assert opened.store.get("small3") is None
        assert opened.store.get("small3") is None
    assert [r.message for r in caplog.records if "small3" in r.message] == [
        caplog.records[0].message
    ]
    assert "cannot be read" in caplog.records[0].message
    assert whole(opened.store, kept) == [r for r in kept if r != "small3"]
