"""Retention, as the server applies it at start (and every minute after): by age, then the
oldest first past the size; a run the store forgets is gone from memory too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service_client import Client


def test_retention_by_size_then_by_age(kept_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with kept_server(data) as first:
        api = Client(first.url)
        ids = []
        for _ in range(3):
            ids.append(api.start(scenario="hello-pipe")["id"])
            api.wait_ended(ids[-1])  # stored one after the other
    # Room for about two hello-pipe runs (each some 2 to 3 KB stored): the oldest goes.
    with kept_server(data, store_max_mb=0.006) as second:
        api = Client(second.url)
        found = [api.http.get(f"/api/runs/{run_id}").status_code for run_id in ids]
        assert found[0] == 404 and found[-1] == 200, found
    # A thousandth of a second of age allowed: every run is past it.
    with kept_server(data, store_keep_days=1e-8) as third:
        api = Client(third.url)
        assert [api.http.get(f"/api/runs/{i}").status_code for i in ids] == [404] * 3
