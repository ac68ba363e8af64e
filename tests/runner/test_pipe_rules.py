"""EOF, the forgotten write end, and SIGPIPE: the seed note's rules, shown by the kernel."""

from support import ForkServer, calls, pipe_of, proc_of
from terminal import terminal_text


def test_last_read_returns_zero_once_every_write_end_is_closed(forkserver: ForkServer) -> None:
    events = forkserver.scenario("eof").finish()
    reads = [e for e in calls(events) if e["call"] == "read"]
    assert [r["ret"] for r in reads][-1] == 0
    assert sum(r["ret"] for r in reads) == len("one two three\n")
    eof = reads[-1]
    pipe_id = proc_of(eof, eof["pid"])["fds"][-1]["pipe"]
    assert pipe_of(eof, pipe_id)["writers"] == 0
    assert events[-1]["reason"] == "exited"


def test_forgotten_write_end_blocks_the_reader_until_the_time_limit(forkserver: ForkServer) -> None:
    events = forkserver.scenario("forgot-close").finish()
    end = events[-1]
    assert end["type"] == "run.end" and end["reason"] == "timeout"
    child = next(e["pid"] for e in events if e["type"] == "proc.start" and e["role"] == "child")
    reader = proc_of(end, child)
    assert reader["status"] == "blocked"
    assert reader["blocked_on"]["call"] == "read"
    assert reader["blocked_on"]["fd"] == 3
    assert reader["blocked_on"]["wchan"].endswith(("pipe_read", "pipe_wait"))
    pipe_id = reader["blocked_on"]["pipe"]
    # The one write end left open is the reader's own fd 4.
    holders = [
        (p["pid"], r["fd"])
        for p in end["state"]["procs"]
        for r in p["fds"]
        if r["pipe"] == pipe_id and r["end"] == "write"
    ]
    assert holders == [(child, 4)]
    assert pipe_of(end, pipe_id)["writers"] == 1
    assert set(end["killed"]) == {child, events[1]["pid"]}
    file = next(f for f in end["state"]["files"] if f["object"] == pipe_id and f["end"] == "write")
    assert file["refs"] == [{"pid": child, "fd": 4}]
    said = "write-end open files are still referenced: "
    assert f"{said}open file {file['id']} (pid {child} (child) fd 4)" in end["message"]


def test_writer_with_no_reader_is_killed_by_sigpipe(forkserver: ForkServer) -> None:
    events = forkserver.scenario("sigpipe").finish()
    parent = events[1]["pid"]
    write = next(e for e in calls(events) if e["call"] == "write")
    assert (write["pid"], write["ret"], write["errno"]) == (parent, -1, "EPIPE")
    sig = next(e for e in events if e["type"] == "signal")
    assert (sig["pid"], sig["signal"], sig["signo"], sig["action"]) == (
        parent,
        "SIGPIPE",
        13,
        "kill",
    )
    death = next(e for e in events if e["type"] == "proc.exit" and e["pid"] == parent)
    assert (death["status"], death["signal"], death["exit_code"]) == ("killed", "SIGPIPE", None)
    assert proc_of(events[-1], parent)["status"] == "killed"


def test_ignored_sigpipe_turns_into_an_epipe_error(forkserver: ForkServer) -> None:
    events = forkserver.scenario("sigpipe", {"ignore_sigpipe": True}).finish()
    parent = events[1]["pid"]
    write = next(e for e in calls(events) if e["call"] == "write" and e["args"]["fd"] != 2)
    assert (write["ret"], write["errno"]) == (-1, "EPIPE")
    assert not [e for e in events if e["type"] == "signal"]
    death = next(e for e in events if e["type"] == "proc.exit" and e["pid"] == parent)
    assert (death["status"], death["exit_code"]) == ("exited", 1)
    assert "write: Broken pipe" in terminal_text(events)
