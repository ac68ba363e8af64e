"""Each scenario of the curriculum shows its teaching point, read from real events."""

import itertools

from support import ForkServer, calls, pipe_of, proc_of
from terminal import terminal_text

from app.scenarios import catalog


def role_pid(events: list[dict], role: str) -> int:
    return next(e["pid"] for e in events if e["type"] == "proc.start" and e["role"] == role)


def returns(events: list[dict], call: str, pid: int | None = None) -> list[dict]:
    return [e for e in calls(events) if e["call"] == call and pid in (None, e["pid"])]


def test_full_buffer_blocks_with_the_bytes_the_kernel_accepted(forkserver: ForkServer) -> None:
    events = forkserver.scenario("full-buffer").finish()
    writer = role_pid(events, "writer")
    block = next(e for e in events if e["type"] == "call.block" and e["pid"] == writer)
    assert block["call"] == "write" and block["blocked_on"]["wchan"].endswith("pipe_write")
    pipe = pipe_of(block, block["blocked_on"]["pipe"])
    accepted = sum(e["ret"] for e in returns(events, "write", writer) if e["seq"] < block["seq"])
    assert pipe["bytes"] == accepted == 65536
    assert pipe["ring"]["head"] - pipe["ring"]["tail"] == 16
    # It went on once the reader freed a page, and everything arrived.
    sent = 25 * 4096  # the C loop's chunks: ceil(100000 / 4096) of them
    assert sum(e["ret"] for e in returns(events, "write", writer)) == sent
    assert sum(e["ret"] for e in returns(events, "read")) == sent
    assert any(e["blocked"] for e in returns(events, "write", writer))


def test_full_buffer_nonblocking_gives_a_partial_write_then_eagain(forkserver: ForkServer) -> None:
    events = forkserver.scenario("full-buffer", {"chunk": 5000, "nonblock": True}).finish()
    writes = returns(events, "write")
    assert [w["errno"] for w in writes][-1] == "EAGAIN"
    partial = writes[-2]
    assert 0 < partial["ret"] < 5000
    accepted = sum(w["ret"] for w in writes if w["ret"] > 0)
    assert accepted == 54096  # 5000-byte writes merge 904 bytes into half-used pages
    assert not [e for e in events if e["type"] == "call.block" and e["call"] == "write"]
    assert sum(e["ret"] for e in returns(events, "read")) == accepted


def test_pipe_size_one_page_blocks_after_4096_bytes(forkserver: ForkServer) -> None:
    events = forkserver.scenario("pipe-size").finish()
    setsz = next(e for e in returns(events, "fcntl"))
    assert setsz["args"]["cmd"] == "F_SETPIPE_SZ" and setsz["ret"] == 4096
    pipe_id = setsz["state"]["pipes"][0]["id"]
    assert pipe_of(setsz, pipe_id)["capacity"] == 4096
    assert pipe_of(setsz, pipe_id)["ring"]["nslots"] == 1
    block = next(e for e in events if e["type"] == "call.block" and e["call"] == "write")
    assert pipe_of(block, pipe_id)["bytes"] == 4096
    assert [w["ret"] for w in returns(events, "write")][:4] == [1024] * 4


def test_atomic_writes_of_pipe_buf_are_never_split(forkserver: ForkServer) -> None:
    events = forkserver.scenario("atomic-writes").finish()
    reads = [r for r in returns(events, "read") if r["ret"] > 0]
    assert sum(r["ret"] for r in reads) == 2 * 16 * 4096
    stream = [run for r in reads for run in r["data_runs"]]
    merged: list[list] = []
    for char, n in stream:
        if merged and merged[-1][0] == char:
            merged[-1][1] += n
        else:
            merged.append([char, n])
    assert all(n % 4096 == 0 for _, n in merged), merged
    blocked = {e["pid"] for e in events if e["type"] == "call.block" and e["call"] == "write"}
    assert blocked == {role_pid(events, "writer_a"), role_pid(events, "writer_b")}  # both waited


def test_atomic_writes_just_past_pipe_buf_are_cut(forkserver: ForkServer) -> None:
    """What the notice says: above 4096 (8192 is enough), a write that waits is cut."""
    events = forkserver.scenario("atomic-writes", {"size": 8192}).finish()
    reads = [r for r in returns(events, "read") if r["ret"] > 0]
    merged: list[list] = []
    for char, n in (run for r in reads for run in r["data_runs"]):
        if merged and merged[-1][0] == char:
            merged[-1][1] += n
        else:
            merged.append([char, n])
    assert any(n % 8192 for _, n in merged), merged


def test_atomic_writes_larger_than_pipe_buf_can_interleave(forkserver: ForkServer) -> None:
    events = forkserver.scenario("atomic-writes", {"size": 30000, "writes": 3}).finish()
    reads = [r for r in returns(events, "read") if r["ret"] > 0]
    assert sum(r["ret"] for r in reads) == 2 * 3 * 30000
    chars = [run[0] for r in reads for run in r["data_runs"]]
    switches = sum(1 for a, b in itertools.pairwise(chars) if a != b)
    assert switches > 2 * 3 - 1  # more A/B alternations than whole writes could make


def test_siblings_talk_and_the_parent_holds_no_end(forkserver: ForkServer) -> None:
    events = forkserver.scenario("siblings").finish()
    parent, younger = role_pid(events, "parent"), role_pid(events, "younger")
    read = returns(events, "read", younger)[0]
    assert (read["ret"], read["data"]) == (12, "hi, sibling\\n")
    last_close = returns(events, "close", parent)[-1]
    assert not [r for r in proc_of(last_close, parent)["fds"] if r["kind"] == "pipe"]
    assert terminal_text(events) == "hi, sibling\n"


def test_shell_pipeline_points_0_and_1_at_the_pipe_and_wc_counts(forkserver: ForkServer) -> None:
    events = forkserver.scenario("shell-pipeline").finish()
    ls, wc = role_pid(events, "ls"), role_pid(events, "wc")
    # The moment before execve: the table the program will start with.
    execs = {e["pid"]: e for e in calls(events, "call.enter") if e["call"] == "execve"}
    for pid, std, end in ((ls, 1, "write"), (wc, 0, "read")):
        fds = {r["fd"]: r for r in proc_of(execs[pid], pid)["fds"]}
        assert fds[std]["kind"] == "pipe" and fds[std]["end"] == end
        assert set(fds) == {0, 1, 2}  # the originals are closed
    assert [e["ret"] for e in returns(events, "execve")] == [0, 0]
    assert proc_of(events[-1], ls)["program"] == ["ls"]
    entries = 3  # the run directory holds three files
    assert terminal_text(events).strip() == str(entries)
    assert all(p["exit_code"] == 0 for p in events[-1]["state"]["procs"])


def test_two_pipes_carry_a_request_and_a_reply(forkserver: ForkServer) -> None:
    events = forkserver.scenario("two-pipes").finish()
    pipe_ids = returns(events, "pipe")
    assert len(pipe_ids) == 2
    parent, child = role_pid(events, "parent"), role_pid(events, "child")
    assert returns(events, "read", child)[0]["data"] == "ping\\n"
    assert returns(events, "read", parent)[0]["data"] == "pong\\n"
    after_closes = returns(events, "write", parent)[0]
    for pipe in after_closes["state"]["pipes"]:
        assert (pipe["readers"], pipe["writers"]) == (1, 1)
    assert terminal_text(events) == "pong\n"


def test_nonblocking_read_is_eagain_while_a_writer_lives_then_eof(forkserver: ForkServer) -> None:
    events = forkserver.scenario("nonblocking-read").finish()
    reads = returns(events, "read")
    assert [(r["ret"], r["errno"]) for r in reads] == [(-1, "EAGAIN"), (5, None), (0, None)]
    first, last = reads[0], reads[-1]
    assert first["state"]["pipes"][0]["writers"] == 1
    assert last["state"]["pipes"][0]["writers"] == 0


def test_read_once_each_byte_goes_to_one_reader(forkserver: ForkServer) -> None:
    events = forkserver.scenario("read-once").finish()
    got = {
        role: "".join(
            r["data"] for r in returns(events, "read", role_pid(events, role)) if r["ret"] > 0
        )
        for role in ("reader1", "reader2")
    }
    assert sorted(got["reader1"] + got["reader2"]) == sorted("AAAABBBBCCCCDDDD")
    assert got["reader1"] and got["reader2"]  # both read, neither saw the other's bytes


def test_short_read_returns_three_writes_as_one(forkserver: ForkServer) -> None:
    events = forkserver.scenario("short-read").finish()
    read = returns(events, "read")[0]
    assert (read["args"]["count"], read["ret"]) == (1024, 19)
    assert read["data"] == "first\\nsecond\\nthird\\n"
    assert terminal_text(events) == "first\nsecond\nthird\n"


def test_every_scenario_has_both_languages_and_runnable_defaults() -> None:
    for sc in catalog.all_scenarios():
        for text in (sc.title, sc.summary, sc.notice):
            assert set(text) == {"en", "zh"} and all(v.strip() for v in text.values()), sc.name
        for param in sc.params:
            assert set(param.label) == {"en", "zh"}, (sc.name, param.name)
        assert sc.source.strip()
        sc.request({})
