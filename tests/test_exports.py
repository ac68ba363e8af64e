"""Exports as a user downloads them: the JSON export comes back through an import as the same
events, the strace text reads as strace's own, and a bad request is refused by name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from exports_runs import CHAPTERS, Exported
from service_client import Client


def without_id(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events, but for the run's id in run.start: nothing else may differ."""
    return [{**e, "run": None} if e["type"] == "run.start" else e for e in events]


@pytest.mark.parametrize("scenario", CHAPTERS)
def test_json_export_imports_back_to_the_same_events(
    api: Client, exported: dict[str, Exported], scenario: str
) -> None:
    original = exported[scenario]
    assert original.json["format"] == "pipescope.run" and original.json["version"] == 1
    assert original.json["run"]["id"] == original.id
    assert original.json["events"] == original.events  # exactly as /events gives them

    response = api.http.post("/api/runs/import", json=original.json)
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["id"] != original.id and imported["control_token"]
    assert imported["status"] == "ended" and imported["scenario"] == scenario
    events = api.events(imported["id"])
    assert events[0]["run"] == imported["id"]  # the new id, never the export's
    assert len(events) == len(original.events)
    for mine, theirs in zip(without_id(events), without_id(original.events), strict=True):
        assert mine == theirs, f"seq {theirs['seq']} differs"
    # And what comes out again is what went in, but for the id.
    again = api.http.get(f"/api/runs/{imported['id']}/export").json()
    assert again["run"] == {**original.json["run"], "id": imported["id"]}


def test_exports_are_downloads_named_after_the_run(
    api: Client, exported: dict[str, Exported]
) -> None:
    run_id = exported["hello-pipe"].id
    for fmt, name, media in (
        ("json", f"pipescope-{run_id}.json", "application/json"),
        ("strace", f"pipescope-{run_id}.strace.txt", "text/plain; charset=utf-8"),
        ("perfetto", f"pipescope-{run_id}.perfetto.json", "application/json"),
    ):
        response = api.http.get(f"/api/runs/{run_id}/export", params={"format": fmt})
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert response.headers["content-type"] == media


def test_a_bad_export_request_is_refused_by_name(
    api: Client, exported: dict[str, Exported]
) -> None:
    run_id = exported["hello-pipe"].id
    bad = api.http.get(f"/api/runs/{run_id}/export", params={"format": "pcap"})
    assert bad.status_code == 422 and bad.json()["field"] == "format", bad.text
    missing = api.http.get("/api/runs/000000000000/export")
    assert missing.status_code == 404, missing.text


def test_a_running_run_is_exported_once_it_has_ended(api: Client) -> None:
    run = api.start(scenario="hello-pipe", mode="step")  # waits for a step: still running
    try:
        response = api.http.get(f"/api/runs/{run['id']}/export")
        assert response.status_code == 409, response.text
        assert "still running" in response.json()["error"]
    finally:
        api.control(run, "kill")


def test_hello_pipe_reads_as_strace_writes_it(exported: dict[str, Exported]) -> None:
    """`strace -f -T -o FILE` of the note's demo: pid, the call, ` = ` at column 40, the time."""
    run = exported["hello-pipe"]
    starts = {e["role"]: e["pid"] for e in run.events if e["type"] == "proc.start"}
    parent, child = starts["parent"], starts["child"]
    took = {e["seq"]: f"<{e['duration']:.6f}>" for e in run.events if e["type"] == "call.return"}
    returns = [e for e in run.events if e["type"] == "call.return"]

    def line(pid: int, call: str, ret: str, seq: int | None = None) -> str:
        head = f"{pid:<5d} {call} "
        tail = f" {took[seq]}" if seq is not None else ""
        return head + " " * max(0, 40 - len(head)) + f"= {ret}{tail}"

    def seq_of(pid: int, call: str, **args: Any) -> int:
        return next(
            e["seq"] for e in returns
            if e["pid"] == pid and e["call"] == call and args.items() <= e["args"].items()
        )  # fmt: skip

    expected = [
        line(parent, "pipe([3, 4])", "0", seq_of(parent, "pipe")),
        line(parent, "fork()", str(child), seq_of(parent, "fork")),
        line(parent, "close(3)", "0", seq_of(parent, "close", fd=3)),
        line(child, "close(4)", "0", seq_of(child, "close", fd=4)),
        line(parent, 'write(4, "hello pipe\\n", 11)', "11", seq_of(parent, "write")),
        line(child, 'read(3, "hello pipe\\n", 1024)', "11", seq_of(child, "read")),
        line(parent, "close(4)", "0", seq_of(parent, "close", fd=4)),
        line(child, 'write(1, "hello pipe\\n", 11)', "11", seq_of(child, "write")),
        line(parent, "exit_group(0)", "?"),
        f"{parent:<5d} +++ exited with 0 +++",
        line(child, "close(3)", "0", seq_of(child, "close", fd=3)),
        line(child, "exit_group(0)", "?"),
        f"{child:<5d} +++ exited with 0 +++",
    ]
    assert run.strace.splitlines() == expected


def test_a_blocked_call_is_cut_and_resumed_as_strace_does(exported: dict[str, Exported]) -> None:
    """The writer asleep on the full pipe: its write's line is cut when the reader's line
    comes, and finished by `<... write resumed>` once the reader has freed a page."""
    lines = exported["full-buffer"].strace.splitlines()
    writer = next(e["pid"] for e in exported["full-buffer"].events if e.get("role") == "writer")
    cut = next(i for i, t in enumerate(lines) if t.endswith(" <unfinished ...>") and
               t.startswith(f"{writer:<5d} write(4, "))  # fmt: skip
    resumed = next(
        i for i, t in enumerate(lines) if t.startswith(f"{writer:<5d} <... write resumed>)")
    )
    assert cut < resumed
    between = lines[cut + 1 : resumed]
    assert any(re.match(r"\d+ +read\(3, \"x+\"\.\.\., 4096\) += 4096", t) for t in between), between
    assert re.search(r"= 4096 <\d+\.\d{6}>$", lines[resumed])


def test_errors_and_signals_read_as_strace_writes_them(api: Client) -> None:
    run = api.start(scenario="sigpipe", mode="live")
    api.wait_ended(run["id"])
    text = api.http.get(f"/api/runs/{run['id']}/export", params={"format": "strace"}).text
    writer = next(e["pid"] for e in api.events(run["id"]) if e.get("role") == "parent")
    tail = text.splitlines()[-3:]
    assert re.fullmatch(
        rf'{writer} +write\(4, "anyone\?\\n", 8\) += -1 EPIPE \(Broken pipe\)', tail[0]
    ), tail
    assert tail[1].startswith(f"{writer:<5d} --- SIGPIPE {{si_signo=SIGPIPE") and tail[1].endswith(
        "} ---"
    )
    assert tail[2] == f"{writer:<5d} +++ killed by SIGPIPE +++"


@pytest.mark.parametrize("scenario", CHAPTERS)
def test_every_resumed_line_follows_its_unfinished_one(
    exported: dict[str, Exported], scenario: str
) -> None:
    """As in strace's own logs: a process's call cut short is the last line of that process
    until its `<... call resumed>`, which names the same call; and every call comes back."""
    cut: dict[str, str] = {}  # pid -> the call its last line left unfinished
    for text in exported[scenario].strace.splitlines():
        pid, rest = text.split(" ", 1)
        rest = rest.lstrip()
        if resumed := re.match(r"<\.\.\. (\w+) resumed>", rest):
            assert cut.pop(pid, None) == resumed.group(1), text
            continue
        assert pid not in cut, f"{text!r} while {cut[pid]} is unfinished"
        if rest.endswith(" <unfinished ...>"):
            cut[pid] = rest.split("(", 1)[0]
    assert cut == {}


def test_a_signal_that_interrupts_a_read_reads_as_strace_writes_it(api: Client) -> None:
    """The child asleep in read gets SIGUSR1 (no SA_RESTART): the read ends `? ERESTARTSYS`,
    the signal arrives, and rt_sigreturn gives the program its -1 EINTR."""
    run = api.start(scenario="handler-eintr", mode="live")
    api.wait_ended(run["id"])
    text = api.http.get(f"/api/runs/{run['id']}/export", params={"format": "strace"}).text
    child = next(e["pid"] for e in api.events(run["id"]) if e.get("role") == "child")
    mine = [t for t in text.splitlines() if t.startswith(f"{child:<5d} ")]
    at = next(i for i, t in enumerate(mine) if "ERESTARTSYS" in t)
    assert re.fullmatch(
        rf"{child} +<\.\.\. read resumed>\.\.\., 16\) += \? ERESTARTSYS "
        r"\(To be restarted if SA_RESTART is set\)",
        mine[at],
    ), mine
    assert mine[at - 1] == f"{child:<5d} read(3,  <unfinished ...>"
    assert mine[at + 1].startswith(f"{child:<5d} --- SIGUSR1 {{si_signo=SIGUSR1, si_code=SI_USER")
    assert re.fullmatch(
        rf"{child} +rt_sigreturn\(\{{mask=\[\]\}}\) += -1 EINTR \(Interrupted system call\)",
        mine[at + 2],
    ), mine
