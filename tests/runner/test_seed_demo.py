"""The seed's demo, run for real: every fact the note states, read back from the kernel."""

from support import ForkServer, calls, pipe_of, proc_of


def test_hello_pipe_follows_the_seed_step_by_step(forkserver: ForkServer) -> None:
    events = forkserver.scenario("hello-pipe").finish()
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "run.start" and events[-1]["type"] == "run.end"
    assert events[-1]["reason"] == "exited"
    returns = list(calls(events))
    parent = events[1]["pid"]

    pipe = returns[0]
    assert (pipe["call"], pipe["ret"], pipe["args"]["fds"]) == ("pipe", 0, [3, 4])
    fds = {r["fd"]: r for r in proc_of(pipe, parent)["fds"]}
    assert (fds[3]["end"], fds[4]["end"]) == ("read", "write")
    pipe_id = fds[3]["pipe"]
    assert fds[4]["pipe"] == pipe_id and pipe_id.startswith("pipe:[")

    fork = returns[1]
    child = fork["ret"]
    assert fork["call"] == "fork" and child > 0
    child_fds = {r["fd"]: r["pipe"] for r in proc_of(fork, child)["fds"]}
    assert child_fds[3] == child_fds[4] == pipe_id
    # Two fds per end, but fork shares the open files: the kernel counts one of each.
    forked = pipe_of(fork, pipe_id)
    assert (forked["reader_fds"], forked["writer_fds"]) == (2, 2)
    assert (forked["readers"], forked["writers"]) == (1, 1)

    closes = [e for e in returns if e["call"] == "close"][:2]
    assert {(e["pid"], e["args"]["fd"]) for e in closes} == {(parent, 3), (child, 4)}
    after = pipe_of(closes[1], pipe_id)
    assert (after["readers"], after["writers"]) == (1, 1)

    write = next(e for e in returns if e["call"] == "write" and e["pid"] == parent)
    assert (write["args"]["fd"], write["ret"], write["data"]) == (4, 11, "hello pipe\\n")
    assert pipe_of(write, pipe_id)["bytes"] == 11
    assert pipe_of(write, pipe_id)["capacity"] == 65536

    read = next(e for e in returns if e["call"] == "read")
    assert (read["pid"], read["args"]["fd"], read["ret"]) == (child, 3, 11)
    assert read["data"] == "hello pipe\\n"
    assert pipe_of(read, pipe_id)["bytes"] == 0

    echo = next(e for e in returns if e["call"] == "write" and e["pid"] == child)
    assert (echo["args"]["fd"], echo["ret"]) == (1, 11)
    # Its own event carries what it printed, and where the terminal stands after it.
    assert (echo["state"]["output_new"], echo["state"]["output_at"]) == ("hello pipe\n", 11)

    exits = {e["pid"]: e for e in events if e["type"] == "proc.exit"}
    assert {pid: (e["status"], e["exit_code"]) for pid, e in exits.items()} == {
        parent: ("exited", 0),
        child: ("exited", 0),
    }


def test_every_call_maps_to_a_line_of_the_seed_source(forkserver: ForkServer) -> None:
    from app.scenarios import catalog

    source = catalog.get("hello-pipe").source.splitlines()  # type: ignore[union-attr]
    events = forkserver.scenario("hello-pipe").finish()
    for e in calls(events, "call.enter"):
        text = source[e["line"] - 1]
        expected = {"exit_group": "return"}.get(e["call"], e["call"])
        assert expected in text, (e["call"], text)


def test_fd_tables_hide_the_runners_own_channels(forkserver: ForkServer) -> None:
    events = forkserver.scenario("hello-pipe").finish()
    for e in events:
        for proc in e["state"]["procs"]:
            assert all(row["fd"] < 1000 for row in proc["fds"])
            kinds = {row["kind"] for row in proc["fds"]}
            assert "socket" not in kinds, (e["seq"], proc)


def test_each_event_names_what_it_took_away(forkserver: ForkServer) -> None:
    events = forkserver.scenario("hello-pipe").finish()
    parent = events[1]["pid"]
    closes = [e for e in calls(events) if e["call"] == "close"]
    first = closes[0]
    pipe_id = first["state"]["gone"]["fds"][0]["pipe"]
    row = {
        "fd": 3,
        "kind": "pipe",
        "type": "fifo",
        "target": pipe_id,
        "pipe": pipe_id,
        "socket": None,
        "end": "read",
    }
    flags = {"mode": "r", "nonblock": False, "cloexec": False}
    read_file = first["state"]["gone"]["fds"][0]["file"]
    assert first["state"]["gone"]["fds"] == [{"pid": parent, **row, **flags, "file": read_file}]
    assert first["state"]["gone"]["pipes"] == []
    assert first["state"]["gone"]["files"] == []  # the child still holds that file
    last = closes[-1]  # the child closes the last end: the kernel frees the pipe
    assert [p["id"] for p in last["state"]["gone"]["pipes"]] == [pipe_id]
    assert [f["id"] for f in last["state"]["gone"]["files"]] == [read_file]
    assert last["state"]["pipes"] == []
    quiet = [e for e in events if e["type"] == "call.enter"]
    nothing = {"fds": [], "files": [], "pipes": [], "mappings": [], "sockets": []}
    assert all(e["state"]["gone"] == nothing for e in quiet)
