"""The kernel's middle layer: fds point to open files (shared by fork), files to the pipe."""

from typing import Any

from support import DEFAULT_LIMITS, ForkServer, pipe_of, proc_of


def settled(pid: int) -> Any:
    return lambda e: e["type"] in ("call.return", "call.block", "proc.exit") and e["pid"] == pid


def file_of(event: dict[str, Any], pid: int, fd: int) -> dict[str, Any]:
    row = next(r for r in proc_of(event, pid)["fds"] if r["fd"] == fd)
    return next(f for f in event["state"]["files"] if f["id"] == row["file"])


def refs(file: dict[str, Any]) -> set[tuple[int, int]]:
    return {(r["pid"], r["fd"]) for r in file["refs"]}


def test_hello_pipe_after_fork_two_fds_per_end_share_one_open_file(forkserver: ForkServer) -> None:
    events = forkserver.scenario("hello-pipe").finish()
    returns = [e for e in events if e["type"] == "call.return"]
    fork = next(e for e in returns if e["call"] == "fork")
    parent, child = fork["pid"], fork["ret"]
    read_end, write_end = file_of(fork, parent, 3), file_of(fork, parent, 4)
    assert refs(read_end) == {(parent, 3), (child, 3)}
    assert refs(write_end) == {(parent, 4), (child, 4)}
    assert (read_end["end"], read_end["flags"]) == ("read", ["O_RDONLY"])
    assert (write_end["end"], write_end["flags"]) == ("write", ["O_WRONLY"])
    assert file_of(fork, child, 3)["id"] == read_end["id"]
    pipe = pipe_of(fork, read_end["object"])
    assert (pipe["readers"], pipe["writers"], pipe["reader_fds"], pipe["writer_fds"]) == (
        1,
        1,
        2,
        2,
    )

    # Each closes the end it does not use: the same two files, one reference each.
    closes = [e for e in returns if e["call"] == "close"][:2]
    after = closes[1]
    assert refs(file_of(after, child, 3)) == {(child, 3)}
    assert refs(file_of(after, parent, 4)) == {(parent, 4)}
    assert file_of(after, child, 3)["id"] == read_end["id"]  # the file kept its id
    assert file_of(after, parent, 4)["id"] == write_end["id"]
    pipe = pipe_of(after, read_end["object"])
    assert (pipe["readers"], pipe["writers"], pipe["reader_fds"], pipe["writer_fds"]) == (
        1,
        1,
        1,
        1,
    )

    # The parent's last close takes the last reference to the write-end file: writers 0.
    last = next(
        e for e in returns if e["call"] == "close" and (e["pid"], e["args"]["fd"]) == (parent, 4)
    )
    assert [f["id"] for f in last["state"]["gone"]["files"]] == [write_end["id"]]
    assert pipe_of(last, read_end["object"])["writers"] == 0


def test_o_nonblock_set_through_one_fd_shows_on_the_other_process_fd(
    forkserver: ForkServer,
) -> None:
    procs = {
        "parent": [
            {"op": "pipe", "name": "fd"},
            {"op": "fork", "child": "child"},
            {"op": "nonblock", "fd": "fd[0]"},
            {"op": "exit"},
        ],
        "child": [{"op": "read", "fd": "fd[0]", "count": 16}, {"op": "exit"}],
    }
    run = forkserver.program(procs, mode="step", limits={"wall_s": 20})
    parent = run.until(lambda e: e["type"] == "proc.start")["pid"]
    run.control(op="step", pid=parent)  # pipe
    run.until(settled(parent))
    run.control(op="step", pid=parent)  # fork
    child = run.until(lambda e: e["type"] == "proc.start")["pid"]
    before = run.events[-1]
    assert not proc_of(before, child)["fds"][3]["nonblock"]

    run.control(op="step", pid=parent)  # fcntl(fd[0], F_SETFL, O_NONBLOCK) in the parent
    done = run.until(settled(parent))
    assert (done["call"], done["ret"]) == ("fcntl", 0)
    theirs = next(r for r in proc_of(done, child)["fds"] if r["fd"] == 3)
    assert theirs["nonblock"]  # the child did nothing: the flag lives in the shared file
    assert file_of(done, child, 3)["nonblock"] and "O_NONBLOCK" in file_of(done, child, 3)["flags"]

    run.control(op="step", pid=child)  # and the kernel agrees: the child's read does not block
    read = run.until(settled(child))
    assert (read["type"], read["ret"], read["errno"]) == ("call.return", -1, "EAGAIN")
    run.control(op="kill")
    run.finish()


def test_opening_proc_fd_of_a_pipe_end_makes_a_new_open_file(forkserver: ForkServer) -> None:
    """Not a dup: open("/proc/self/fd/3") gives a second read-end file, and the kernel's
    readers count goes to 2. (sh is no allowlisted program: the request goes straight to the
    runner, as tests/security/boundary.py does.)"""
    script = "exec 5</proc/self/fd/3; echo opened; sleep 1"
    program = {
        "procs": {"p": [{"op": "pipe", "name": "fd"}, {"op": "exec", "argv": ["sh", "-c", script]}]}
    }
    request = {"scenario": "custom", "mode": "live", "limits": {**DEFAULT_LIMITS, "wall_s": 8}}
    events = forkserver.start(request | {"backend": "runner", "program": program}).finish()
    assert events[-1]["reason"] == "exited"
    shown = next(
        e for e in events if any(r["fd"] == 5 for p in e["state"]["procs"] for r in p["fds"])
    )
    pid = shown["state"]["procs"][0]["pid"]
    old, new = file_of(shown, pid, 3), file_of(shown, pid, 5)
    assert old["id"] != new["id"] and old["object"] == new["object"]
    assert (old["end"], new["end"]) == ("read", "read")
    pipe = pipe_of(shown, old["object"])
    assert (pipe["readers"], pipe["writers"], pipe["reader_fds"]) == (2, 1, 2)
