"""The strace parser and tracker, on strace output recorded on these machines.

tests/data/strace/record.py made the recordings: the seed's C program (hello_pipe.txt), a
program that makes every kind of line (forms.c -> forms.txt), and `yes | head -n 3` run by
the launcher, written by -o (yes_head.txt) and to stderr (yes_head.stderr.txt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.strace import calls, lines
from app.strace.source_lines import SourceLines
from app.strace.track import Tracker

DATA = Path(__file__).parent / "data" / "strace"


def recording(name: str) -> list[str]:
    return (DATA / name).read_text().splitlines()


def first(name: str, needle: str) -> lines.Line:
    return lines.parse(next(t for t in recording(name) if needle in t))


def steps(name: str, **tracker: Any) -> list[dict[str, Any]]:
    track = Tracker(**tracker)
    out = track.set_root(root_pid(name))  # as the supervisor does: strace's child
    return out + [s for text in recording(name) for s in track.feed(text)]


def root_pid(name: str) -> int:
    """The process strace started: the one pid that no fork returned."""
    parsed = [lines.parse(t) for t in recording(name)]
    pids = {line.pid for line in parsed if line.pid is not None}
    forked = {line.ret for line in parsed if line.name in calls.FORKS and line.ret}
    (root,) = pids - forked
    return root


def calls_of(events: list[dict[str, Any]], pid: int) -> list[tuple[Any, ...]]:
    return [
        (e["call"], e["args"], e["ret"], e["errno"], e["data"])
        for e in events
        if e["type"] == "call.return" and e["pid"] == pid
    ]


# -- one line ---------------------------------------------------------------------------------
def test_a_whole_call_with_its_decorated_fds() -> None:
    line = first("hello_pipe.txt", "pipe2(")
    assert line.kind == "call" and line.name == "pipe2"
    assert line.args[0].startswith("[3<pipe:[") and line.args[1] == "0"
    assert (line.ret, line.errno) == (0, None) and line.duration is not None
    assert calls.returned_args("pipe2", line.args) == {"fds": [3, 4]}


def test_unfinished_and_resumed_are_two_halves_of_one_call() -> None:
    unfinished = first("forms.txt", "vfork( <unfinished")
    resumed = first("forms.txt", "<... vfork resumed>")
    assert (unfinished.kind, unfinished.name, unfinished.ret) == ("unfinished", "vfork", None)
    assert (resumed.kind, resumed.name) == ("resumed", "vfork")
    assert resumed.ret is not None and resumed.ret > 0 and resumed.pid == unfinished.pid


def test_dup2_returns_the_fd_decorated_with_what_it_now_is() -> None:
    onto_tty = first("yes_head.txt", "dup2(4</dev/pts/")
    assert (onto_tty.ret, onto_tty.decor) == (2, onto_tty.decor)
    assert onto_tty.decor is not None and onto_tty.decor.startswith("/dev/pts/")
    onto_pipe = first("forms.txt", ") = 1<pipe:[")
    assert onto_pipe.ret == 1 and onto_pipe.decor is not None
    assert onto_pipe.decor.startswith("pipe:[")


def test_signal_exit_and_death_lines() -> None:
    sigpipe = first("forms.txt", "--- SIGPIPE")
    assert (sigpipe.kind, sigpipe.signal) == ("signal", "SIGPIPE")
    exited = first("forms.txt", "+++ exited with 3 +++")
    assert (exited.kind, exited.code) == ("exited", 3)
    killed = first("forms.txt", "+++ killed by SIGPIPE +++")
    assert (killed.kind, killed.signal) == ("killed", "SIGPIPE")


def test_an_error_return_and_a_call_that_never_returns() -> None:
    enoent = first("forms.txt", "no-such-program")
    assert (enoent.name, enoent.ret, enoent.errno) == ("execve", -1, "ENOENT")
    epipe = first("forms.txt", '"nobody\\n"')
    assert (epipe.ret, epipe.errno) == (-1, "EPIPE")
    gone = first("hello_pipe.txt", "exit_group(0)")
    assert (gone.kind, gone.ret) == ("call", None)


def test_the_three_ways_a_line_names_its_pid() -> None:
    assert lines.parse("4711  1.5 close(3) = 0 <0.1>").pid == 4711
    assert lines.parse("[pid  4711] 1.5 close(3) = 0 <0.1>").pid == 4711
    assert lines.parse("1.5 close(3) = 0 <0.1>").pid is None
    assert lines.parse("strace: Process 4711 attached").kind == "other"


def test_a_written_string_may_hold_anything_the_syntax_uses() -> None:
    line = lines.parse('7  1.0 write(1</dev/pts/0>, "a) = 5, [b]\\"<c>", 14) = 14 <0.000010>')
    assert line.kind == "call" and line.ret == 14 and len(line.args) == 3
    assert calls.unescape(line.args[1]) == (b'a) = 5, [b]"<c>', False)


def test_strings_come_back_as_bytes_and_go_out_escaped_as_the_runner_does() -> None:
    read = lines.parse('9  1.0 read(3<pipe:[5]>, "hi\\n\\x00\\x7f", 1024) = 5 <0.000010>')
    runs = [("h", 1), ("i", 1), ("\\n", 1), ("\\0", 1), ("\\x7f", 1)]
    assert calls.moved("read", read.args, read.ret) == ("hi\\n\\0\\x7f", False, runs)
    cut = lines.parse('7  1.0 write(1<pipe:[9]>, "y\\ny\\n"..., 8192) = 8192 <0.000010>')
    assert calls.moved("write", cut.args, cut.ret) == ("y\\ny\\n", True, None)
    same = lines.parse('7  1.0 write(4<pipe:[9]>, "xxxxxxxx", 8) = 8 <0.000010>')
    assert calls.moved("write", same.args, same.ret) == ("xxxxxxxx", False, [("x", 8)])
    assert calls.named_args("write", cut.args) == {
        "fd": 1,
        "buf": "y\\ny\\n",
        "buf_truncated": True,
        "count": 8192,
    }


# -- a whole recording --------------------------------------------------------------------------
def test_the_seed_program_as_the_runner_tells_it() -> None:
    events = steps("hello_pipe.txt")
    parent, child = [e["pid"] for e in events if e["type"] == "proc.start"]
    assert [c[:3] for c in calls_of(events, parent)] == [
        ("execve", calls_of(events, parent)[0][1], 0),
        ("pipe", {"flags": 0, "fds": [3, 4]}, 0),
        ("fork", {}, child),
        ("close", {"fd": 3}, 0),
        ("write", {"fd": 4, "buf": "hello pipe\\n", "count": 11}, 11),
        ("close", {"fd": 4}, 0),
    ]
    assert calls_of(events, child) == [
        ("close", {"fd": 4}, 0, None, None),
        ("read", {"fd": 3, "count": 1024}, 11, None, "hello pipe\\n"),
        ("write", {"fd": 1, "buf": "hello pipe\\n", "count": 11}, 11, None, "hello pipe\\n"),
        ("close", {"fd": 3}, 0, None, None),
    ]
    exits = [(e["pid"], e["status"], e["exit_code"]) for e in events if e["type"] == "proc.exit"]
    assert sorted(exits) == sorted([(parent, "exited", 0), (child, "exited", 0)])
    # The loader's calls (ld.so.cache, libc.so.6 on fd 3) are not shown...
    assert all("libc" not in str(e.get("args")) for e in events)
    # ...until asked for.
    every = steps("hello_pipe.txt", all_calls=True)
    assert any("libc.so.6" in str(e.get("args")) for e in every)


def test_every_way_to_make_a_process_is_a_fork_with_the_child_pid() -> None:
    events = steps("forms.txt")
    root = events[0]["pid"]
    forks = [e["ret"] for e in events if e["type"] == "call.return" and e["call"] == "fork"]
    started = [e["pid"] for e in events if e["type"] == "proc.start" and e["pid"] != root]
    assert len(forks) == 3 and sorted(forks) == sorted(started)  # fork, vfork, clone3
    enters = [e for e in events if e["type"] == "call.enter" and e["pid"] == root]
    assert [e["call"] for e in enters].count("fork") == 3
    dup3 = next(
        e for e in events if e["type"] == "call.return" and e["call"] == "dup2" and e["pid"] == root
    )
    assert (dup3["args"], dup3["ret"]) == ({"oldfd": 3, "newfd": 7, "flags": "O_CLOEXEC"}, 7)


def test_epipe_then_sigpipe_then_death() -> None:
    events = steps("forms.txt")
    root = events[0]["pid"]
    tail = [e for e in events if e["pid"] == root][-3:]
    assert [e["type"] for e in tail] == ["call.return", "signal", "proc.exit"]
    assert (tail[0]["call"], tail[0]["ret"], tail[0]["errno"]) == ("write", -1, "EPIPE")
    assert (tail[1]["signal"], tail[1]["signo"]) == ("SIGPIPE", 13)
    assert (tail[2]["status"], tail[2]["signal"], tail[2]["exit_code"]) == (
        "killed",
        "SIGPIPE",
        None,
    )


def test_a_failed_execve_returns_its_errno_and_the_process_goes_on() -> None:
    events = steps("forms.txt")
    failed = [
        e for e in events if e["type"] == "call.return" and e["call"] == "execve" and e["ret"] == -1
    ]
    assert failed and all(e["errno"] == "ENOENT" for e in failed)
    assert failed[0]["args"]["argv"] == ["no-such-program"]


@pytest.mark.parametrize("name", ["yes_head.txt", "yes_head.stderr.txt"])
def test_a_pipeline_from_the_launcher_with_its_setup_hidden(name: str) -> None:
    events = steps(name, root_role="shell", child_roles=("yes", "head"), setup_fd=None)
    hidden = steps(name, root_role="shell", child_roles=("yes", "head"), setup_fd=_tty_fd(name))
    shell = hidden[0]["pid"]
    assert hidden[0]["type"] == "proc.start" and hidden[0]["role"] == "shell"
    # the launcher's execve and its dup2 of the spare tty fd onto 2 are gone, nothing else
    gone = [e for e in events if e not in hidden]
    assert [(e["type"], e["call"]) for e in gone] == [
        ("call.enter", "execve"),
        ("call.return", "execve"),
        ("call.enter", "dup2"),
        ("call.return", "dup2"),
    ]
    assert calls_of(hidden, shell)[0][:3] == ("pipe", {"flags": 0, "fds": [3, 4]}, 0)
    roles = {e["role"]: e["pid"] for e in hidden if e["type"] == "proc.start"}
    yes, head = roles["yes"], roles["head"]
    assert [c[:3] for c in calls_of(hidden, yes)][:3] == [
        ("close", {"fd": 3}, 0),
        ("dup2", {"oldfd": 4, "newfd": 1}, 1),
        ("close", {"fd": 4}, 0),
    ]
    assert [c[:3] for c in calls_of(hidden, head)][:2] == [
        ("dup2", {"oldfd": 3, "newfd": 0}, 0),
        ("close", {"fd": 3}, 0),
    ]
    deaths = {e["pid"]: (e["status"], e["signal"]) for e in hidden if e["type"] == "proc.exit"}
    assert deaths == {yes: ("killed", "SIGPIPE"), head: ("exited", None), shell: ("exited", None)}


def calls_forked(name: str) -> set[int]:
    return {
        line.ret for t in recording(name) if (line := lines.parse(t)).name == "clone" and line.ret
    }


def _tty_fd(name: str) -> int:
    launcher = lines.parse(recording(name)[0])
    return int(calls.strings(launcher.args[1])[1])


def test_a_line_without_a_pid_is_the_one_process_traced() -> None:
    events = steps("yes_head.stderr.txt", root_role="shell", child_roles=("yes", "head"))
    pids = {e["pid"] for e in events}
    assert pids == {root_pid("yes_head.stderr.txt"), *calls_forked("yes_head.stderr.txt")}
    # The shell's last lines come after both children died: no pid on them, still the shell.
    last = [e for e in events if e["type"] == "proc.exit"][-1]
    assert last["pid"] == events[0]["pid"]


def test_each_call_is_the_next_line_of_its_role_that_makes_it() -> None:
    source = SourceLines(
        {
            "child": [
                ["close", 20, False],
                ["read", 21, True],
                ["close", 23, False],
                ["exit_group", 25, False],
            ]
        }
    )
    said = [
        source.line("child", c) for c in ("close", "read", "read", "read", "close", "exit_group")
    ]
    assert said == [20, 21, 21, 21, 23, 25]
    assert source.line("child", "write") is None  # no step makes it: no line
    assert source.line("parent", "close") is None  # no steps for this role
    shell = SourceLines({"ls": [["dup2", 13, False], ["execve", 16, False], ["close", 17, False]]})
    shell.exec_done("ls")  # the execve that started the program: before any step
    assert shell.line("ls", "dup2") == 13 and shell.line("ls", "execve") == 16
    shell.exec_done("ls")  # an execve among its steps: another program runs now
    assert shell.line("ls", "close") is None


# -- every call on an fd (lines as strace printed them for tests/data/c/) ------------------------
def test_what_a_poll_or_select_found_ready_comes_from_after_its_return() -> None:
    poll = lines.parse(
        "9  1.0 poll([{fd=3<pipe:[5]>, events=POLLIN}, {fd=5<pipe:[6]>, events=POLLIN}], 2, "
        "5000) = 1 ([{fd=5, revents=POLLIN|POLLHUP}]) <0.1>"
    )
    assert calls.named_args("poll", poll.args)["fds"] == [
        {"fd": 3, "events": "POLLIN"},
        {"fd": 5, "events": "POLLIN"},
    ]
    assert calls.returned_args("poll", poll.args, poll.note) == {
        "ready": [{"fd": 5, "revents": "POLLIN|POLLHUP"}]
    }
    select = lines.parse(
        "9  1.0 pselect6(4, [3<pipe:[5]>], NULL, NULL, NULL, NULL) = 1 (in [3]) <0.1>"
    )
    assert calls.named_args("pselect6", select.args)["readfds"] == [3]
    assert calls.returned_args("pselect6", select.args, select.note) == {"readable": [3]}
    timeout = lines.parse("9  1.0 pselect6(4, [3], NULL, NULL, {tv_sec=0}, NULL) = 0 (Timeout)")
    assert (timeout.ret, calls.returned_args("pselect6", timeout.args, timeout.note)) == (0, {})


def test_vectored_calls_carry_their_buffers_bytes_and_zero_copy_calls_their_two_fds() -> None:
    readv = lines.parse(
        '9  1.0 readv(3<pipe:[5]>, [{iov_base="gathe", iov_len=5}, {iov_base="red in one\\n", '
        "iov_len=32}], 2) = 16 <0.1>"
    )
    assert calls.moved("readv", readv.args, readv.ret)[0] == "gathered in one\\n"
    assert calls.named_args("readv", readv.args) == {"fd": 3, "iovcnt": 2}
    splice = lines.parse("9  1.0 splice(5<pipe:[6]>, NULL, 8<pipe:[7]>, NULL, 10, 0) = 10 <0.1>")
    assert calls.named_args("splice", splice.args) == {"fd_in": 5, "fd_out": 8, "len": 10}
    assert calls.interesting("tee", []) and calls.interesting("epoll_wait", [])
    pair = lines.parse(
        "9  1.0 socketpair(AF_UNIX, SOCK_STREAM, 0, [3<socket:[1]>, 4<socket:[2]>]) = 0 <0.1>"
    )
    assert calls.returned_args("socketpair", pair.args) == {"fds": [3, 4]}
