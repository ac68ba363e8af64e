"""Step mode: every process waits before each call; a stepped read really blocks."""

from support import ForkServer, proc_of
from terminal import terminal_text


def settled(e: dict) -> bool:
    return e["type"] in ("call.return", "call.block", "proc.exit")


def test_a_reader_stepped_first_blocks_in_the_kernel_until_the_writer_is_stepped(
    forkserver: ForkServer,
) -> None:
    run = forkserver.scenario("hello-pipe", mode="step", limits={"wall_s": 20})
    start = run.until(lambda e: e["type"] == "proc.start")
    parent = start["pid"]
    assert proc_of(start, parent)["next"]["call"] == "pipe"  # stopped before its first call

    run.control(op="step")
    run.until(lambda e: e["type"] == "call.return" and e["call"] == "pipe")
    run.control(op="step", pid=parent)
    child = run.until(lambda e: e["type"] == "proc.start")["pid"]
    ready = run.events[-1]
    assert proc_of(ready, parent)["next"]["call"] == "close"
    assert proc_of(ready, child)["next"] == {"call": "close", "args": {"fd": 4}, "line": 36}

    run.control(op="step", pid=child)  # close(fd[1])
    run.until(lambda e: settled(e) and e["pid"] == child)
    run.control(op="step", pid=child)  # read(fd[0]) on an empty pipe
    block = run.until(lambda e: settled(e) and e["pid"] == child)
    assert block["type"] == "call.block" and block["call"] == "read"
    assert block["blocked_on"]["wchan"].endswith(("pipe_read", "pipe_wait"))
    assert proc_of(block, child)["status"] == "blocked"

    run.control(op="step", pid=parent)  # close(fd[0])
    run.until(lambda e: settled(e) and e["pid"] == parent)
    run.control(op="step", pid=parent)  # write(fd[1], "hello pipe\n", 11)
    read = run.until(lambda e: e["type"] == "call.return" and e["call"] == "read")
    assert (read["pid"], read["ret"], read["data"], read["blocked"]) == (
        child,
        11,
        "hello pipe\\n",
        True,
    )
    write = next(e for e in run.events if e["type"] == "call.return" and e["call"] == "write")
    assert write["ret"] == 11

    run.control(op="play", interval_ms=0)  # let the rest go by itself
    events = run.finish()
    assert events[-1]["reason"] == "exited"
    assert terminal_text(events) == "hello pipe\n"


def test_nothing_moves_until_a_step_arrives(forkserver: ForkServer) -> None:
    run = forkserver.scenario("hello-pipe", mode="step", limits={"wall_s": 1})
    events = run.finish()
    assert [e["type"] for e in events] == ["run.start", "proc.start", "run.end"]
    assert events[-1]["reason"] == "timeout"


def test_pause_and_kill(forkserver: ForkServer) -> None:
    run = forkserver.scenario("hello-pipe", mode="step", limits={"wall_s": 20})
    run.until(lambda e: e["type"] == "proc.start")
    run.control(op="kill")
    events = run.finish()
    assert events[-1]["reason"] == "killed"
    assert events[-1]["killed"] == [events[1]["pid"]]
