"""Finished runs of every chapter, each with what the API gave of it: its events and its
three exports, fetched as soon as it ended (the shared server keeps only so many runs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from service_client import Client

# One scenario a chapter (pipes, named pipes, signals, shared memory, sockets, a traced
# program), the pipe that fills up, and a student's own program (its export carries its
# source: `run.source`).
CHAPTERS = (
    "hello-pipe",
    "fifo-rendezvous",
    "signals-dont-queue",
    "shm-lost-update",
    "socket-full",
    "trace-hello-pipe",
    "full-buffer",
    "pasted",
)
PASTED_SOURCE = """#include <unistd.h>
#include <sys/wait.h>

int main(void) {
    int fds[2];
    char buf[8];
    pipe(fds);
    if (fork() == 0) {
        close(fds[1]);
        return read(fds[0], buf, sizeof buf) == 3 ? 0 : 1;
    }
    close(fds[0]);
    write(fds[1], "hi\\n", 3);
    close(fds[1]);
    wait(NULL);
    return 0;
}
"""


@dataclass
class Exported:
    id: str
    events: list[dict[str, Any]]  # GET /api/runs/{id}/events, all of them
    json: dict[str, Any]  # ?format=json
    strace: str  # ?format=strace
    perfetto: dict[str, Any]  # ?format=perfetto


def export(api: Client, run_id: str, fmt: str) -> str:
    response = api.http.get(f"/api/runs/{run_id}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.text


def run_and_export(api: Client, scenario: str) -> Exported:
    asked = {"c_source": PASTED_SOURCE} if scenario == "pasted" else {"scenario": scenario}
    run = api.start(asked, mode="live")
    api.wait_ended(run["id"])
    return Exported(
        id=run["id"],
        events=api.events(run["id"]),
        json=json.loads(export(api, run["id"], "json")),
        strace=export(api, run["id"], "strace"),
        perfetto=json.loads(export(api, run["id"], "perfetto")),
    )
