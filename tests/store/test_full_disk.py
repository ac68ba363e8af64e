"""A full disk, for real: the store's directory on a small tmpfs, filled to the last byte.
A run the store cannot take stays replayable from memory, the server keeps serving and says
so, and once there is room again the run is written (at the latest when the server stops)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_client import Client, check_hello_pipe
from test_migrations import store_of_version

BIGGER = {
    "scenario": "full-buffer",
    "params": {"total": 1 << 18, "chunk": 256, "reader_delay_ms": 0},
}


@contextlib.contextmanager
def small_disk(where: Path, size: str = "2m") -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(disk: Path) -> Path:
    """Take every byte left on `disk`; the file that holds them."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as err:
            assert err.errno == errno.ENOSPC
    os.sync()
    return filler


def ended_events(api: Client, body: dict[str, Any]) -> tuple[str, str]:
    run_id = api.start(body)["id"]
    api.wait_ended(run_id)
    return run_id, api.http.get(f"/api/runs/{run_id}/events", params={"limit": 5000}).text


def test_a_run_the_full_disk_cannot_take_stays_in_memory(kept_server: Any, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        with kept_server(data) as server:
            api = Client(server.url)
            before = dict(ended_events(api, {"scenario": "hello-pipe"}) for _ in range(2))
            filler = fill(disk)
            during = dict(ended_events(api, BIGGER) for _ in range(2))
            for run_id, text in (before | during).items():
                assert (
                    api.http.get(f"/api/runs/{run_id}/events", params={"limit": 5000}).text == text
                )
            assert api.http.get("/healthz").json()["status"] == "ok"
            lines = [
                line for line in server.log_text().splitlines() if "could not be stored" in line
            ]
            assert {run_id for run_id in during if any(run_id in line for line in lines)} == set(
                during
            )
            assert all("full" in line for line in lines), lines
            filler.unlink()  # room again: the stop writes what is still in memory only
        with kept_server(data) as again:
            api = Client(again.url)
            for run_id, text in (before | during).items():
                assert (
                    api.http.get(f"/api/runs/{run_id}/events", params={"limit": 5000}).text == text
                )


def test_a_full_disk_at_start_leaves_runs_in_memory(kept_server: Any, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "64k") as disk:
        fill(disk)
        with kept_server(disk / "data") as server:
            [line] = [line for line in server.log_text().splitlines() if "run store" in line]
            assert "cannot be opened" in line and "in memory only" in line, line
            api = Client(server.url)
            run_id = api.start(scenario="hello-pipe")["id"]
            api.wait_ended(run_id)
            check_hello_pipe(api.events(run_id))


def test_a_full_disk_at_start_still_serves_the_stored_runs(
    kept_server: Any, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        with kept_server(data) as first:
            old, text = ended_events(Client(first.url), {"scenario": "hello-pipe"})
        fill(disk)
        with kept_server(data) as second:
            [line] = [line for line in second.log_text().splitlines() if "run store" in line]
            assert "cannot be written" in line and "served read-only" in line, line
            api = Client(second.url)
            assert api.http.get(f"/api/runs/{old}/events", params={"limit": 5000}).text == text
            new, _ = ended_events(api, {"scenario": "hello-pipe"})
            check_hello_pipe(api.events(new))  # from memory


def test_a_full_disk_at_start_still_serves_an_older_stores_runs(
    kept_server: Any, tmp_path: Path
) -> None:
    """A store of schema version 2 cannot be brought up to date on a full disk: its runs are
    served as they are, read-only (with no source: they were kept without one)."""
    with kept_server(tmp_path / "elsewhere") as first:
        _, text = ended_events(Client(first.url), {"scenario": "hello-pipe"})
    lines = [json.dumps(e, separators=(",", ":")) for e in json.loads(text)]
    with small_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        store_of_version(data, 2, lines)  # the run, as pipescope's store of version 2 kept it
        fill(disk)
        with kept_server(data) as second:
            [line] = [line for line in second.log_text().splitlines() if "run store" in line]
            assert "cannot be written" in line and "served read-only" in line, line
            api = Client(second.url)
            check_hello_pipe(api.events("old"))
            assert api.http.get("/runs/old", headers={"accept": "text/html"}).status_code == 200
