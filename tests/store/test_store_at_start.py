"""The server starts whatever state its store is in, says what happened in one line, and
serves every run that was whole: a truncated file, an older schema, a newer one."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from service_client import Client, check_hello_pipe
from test_migrations import store_of_version

from app.store.migrations import LATEST
from app.store.sqlite import FILE

BIG = {"scenario": "full-buffer", "params": {"total": 1 << 20, "chunk": 128, "reader_delay_ms": 0}}


def said(log: str) -> list[str]:
    return [line for line in log.splitlines() if "run store" in line]


def test_a_truncated_store_loses_only_the_run_it_cut(kept_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with kept_server(data) as first:
        api = Client(first.url)
        small = [api.start(scenario="hello-pipe")["id"] for _ in range(4)]
        texts = {}
        for run_id in small:
            api.wait_ended(run_id)
            texts[run_id] = api.http.get(f"/api/runs/{run_id}/events").text
        big = api.start(BIG)["id"]  # written after the small ones: at the file's end
        api.wait_ended(big)
    path = data / FILE
    os.truncate(path, path.stat().st_size - 30_000)

    with kept_server(data) as second:
        [line] = said(second.log_text())
        assert "is damaged" in line and "4 of its 5 runs" in line, line
        again = Client(second.url)
        for run_id in small:
            assert again.http.get(f"/api/runs/{run_id}/events").text == texts[run_id]
        assert again.http.get(f"/api/runs/{big}").status_code == 404
        fresh = again.start(scenario="hello-pipe")["id"]  # and it keeps serving, and storing
        again.wait_ended(fresh)
    assert len([p for p in data.iterdir() if ".damaged-" in p.name]) == 1
    with kept_server(data) as third:
        assert said(third.log_text()) == []
        check_hello_pipe(Client(third.url).events(fresh))


def test_a_store_from_an_older_version_is_migrated(kept_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with kept_server(tmp_path / "elsewhere") as first:
        api = Client(first.url)
        run_id = api.start(scenario="hello-pipe")["id"]
        api.wait_ended(run_id)
        text = api.http.get(f"/api/runs/{run_id}/events").text
    lines = [json.dumps(e, separators=(",", ":")) for e in json.loads(text)]
    store_of_version(data, 1, lines)  # the run, as pipescope's first store kept it
    with kept_server(data) as second:
        [line] = said(second.log_text())
        assert f"schema version 1: it is brought up to version {LATEST}" in line
        events = Client(second.url).events("old")
        check_hello_pipe(events)
        assert [json.dumps(e, separators=(",", ":")) for e in events] == lines


def test_a_store_from_a_newer_version_is_left_alone(kept_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store_of_version(data, LATEST, ['{"v":1}'])
    from app.store.sqlite import connect

    db = connect(data / FILE)
    db.execute("INSERT INTO schema_version VALUES (?, 0)", (LATEST + 1,))
    db.close()
    before = hashlib.sha256((data / FILE).read_bytes()).hexdigest()
    with kept_server(data) as server:
        [line] = said(server.log_text())
        assert "newer pipescope" in line and "in memory only" in line
        api = Client(server.url)
        run_id = api.start(scenario="hello-pipe")["id"]
        api.wait_ended(run_id)
        check_hello_pipe(api.events(run_id))  # replayable from memory
    assert hashlib.sha256((data / FILE).read_bytes()).hexdigest() == before
