"""The tracker and threads, on lines as strace -f prints them here (recorded from
tests/data/c/threads_pipe.c, shortened): a thread is shown inside its process, whichever of
its first line and its clone's return comes first; its exit is its own; exit_group ends all."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from app.config import Settings
from app.runner.supervisor import RunOver
from app.strace.supervisor import TraceSupervisor
from app.strace.track import TraceSurprise, Tracker

CLONE = (
    "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
    "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f, parent_tid=0x7f, "
    "exit_signal=0, stack=0x7e, stack_size=0x7fff80, tls=0x7f6c0}"
)
MAIN, T1 = 100, 101


def fed(lines: list[str], **tracker: Any) -> tuple[Tracker, list[dict[str, Any]]]:
    track = Tracker(root_role="main", **tracker)
    steps = track.set_root(MAIN)
    for text in lines:
        steps += track.feed(text)
    return track, steps


def kinds(steps: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["type"], s["pid"], s.get("tid"), s.get("call")) for s in steps]


def test_a_thread_whose_line_comes_before_its_clone_returns_is_not_a_new_process() -> None:
    track, steps = fed(
        [
            f"[pid {MAIN}] 1.0 pipe2([3<pipe:[7]>, 4<pipe:[7]>], 0) = 0 <0.1>",
            f"[pid {MAIN}] 1.1 {CLONE} <unfinished ...>",
            f'[pid {T1}] 1.2 write(4<pipe:[7]>, "one", 3) = 3 <0.1>',
            f"[pid {MAIN}] 1.3 <... clone3 resumed> => {{parent_tid=[{T1}]}}, 88) = {T1} <0.1>",
        ]
    )
    assert [s for s in steps if s["type"] == "proc.start"] == [steps[0]]  # only the first
    assert kinds(steps[1:]) == [
        ("call.enter", MAIN, MAIN, "pipe"),
        ("call.return", MAIN, MAIN, "pipe"),
        ("call.enter", MAIN, MAIN, "clone"),
        ("thread.start", MAIN, T1, None),
        ("call.enter", MAIN, T1, "write"),
        ("call.return", MAIN, T1, "write"),
        ("call.return", MAIN, MAIN, "clone"),
    ]
    assert track.threads_of(MAIN) == [MAIN, T1]


def test_the_kernel_s_word_places_a_thread_when_no_clone_is_open() -> None:
    lines = [f'[pid {T1}] 1.2 write(4<pipe:[7]>, "one", 3) = 3 <0.1>']
    _, steps = fed(lines, tgid_of=lambda tid: MAIN)
    assert kinds(steps[1:2]) == [("thread.start", MAIN, T1, None)]


def test_a_thread_s_exit_is_its_own_and_exit_group_ends_them_all() -> None:
    track, steps = fed(
        [
            f"[pid {MAIN}] 1.1 {CLONE} => {{parent_tid=[{T1}]}}, 88) = {T1} <0.1>",
            f"[pid {MAIN}] 1.2 {CLONE} => {{parent_tid=[{T1 + 1}]}}, 88) = {T1 + 1} <0.1>",
            f"[pid {T1}] 1.3 exit(0) = ?",
            f"[pid {T1}] 1.4 +++ exited with 0 +++",
            f'[pid {MAIN}] 1.5 write(1</dev/pts/0>, "joined\\n", 7) = 7 <0.1>',
            f"[pid {MAIN}] 1.6 exit_group(0) = ?",
            f"[pid {MAIN}] 1.7 +++ exited with 0 +++",
            f"[pid {T1 + 1}] 1.8 +++ exited with 0 +++",  # told after its process: dropped
        ]
    )
    ends = [(s["type"], s.get("tid")) for s in steps if s["type"] in ("thread.exit", "proc.exit")]
    assert ends == [("thread.exit", T1), ("proc.exit", None)]
    joined = next(s for s in steps if s.get("call") == "write")
    assert steps.index(joined) > steps.index(next(s for s in steps if s["type"] == "thread.exit"))
    assert not track.procs  # nothing left, no invented process for the late line


def test_a_leader_that_exits_first_leaves_its_process_to_its_last_thread() -> None:
    _, steps = fed(
        [
            f"[pid {MAIN}] 1.1 {CLONE} => {{parent_tid=[{T1}]}}, 88) = {T1} <0.1>",
            f"[pid {MAIN}] 1.2 exit(0) = ?",  # pthread_exit in main
            f"[pid {MAIN}] 1.3 +++ exited with 0 +++",
            f'[pid {T1}] 1.4 write(1</dev/pts/0>, "still\\n", 6) = 6 <0.1>',
            f"[pid {T1}] 1.5 exit(3) = ?",
            f"[pid {T1}] 1.6 +++ exited with 3 +++",
        ]
    )
    told = [(s["type"], s.get("tid"), s.get("exit_code")) for s in steps if "exit" in s["type"]]
    assert told == [("thread.exit", MAIN, 0), ("thread.exit", T1, 3), ("proc.exit", None, 3)]


def test_a_signal_interrupts_a_call_with_its_restart_errno() -> None:
    _, steps = fed(
        [
            f"[pid {MAIN}] 1.0 ppoll([{{fd=3<pipe:[7]>, events=POLLIN}}], 1, NULL, [], 8 "
            "<unfinished ...>",
            f"[pid {MAIN}] 1.1 <... ppoll resumed>) = ? ERESTARTNOHAND "
            "(To be restarted if no handler) <0.1>",
        ]
    )
    ret = steps[-1]
    assert (ret["call"], ret["ret"], ret["errno"]) == ("ppoll", -1, "ERESTARTNOHAND")
    assert ret["args"]["fds"] == [{"fd": 3, "events": "POLLIN"}] and ret["args"]["ready"] == []


def test_a_line_of_a_thread_whose_process_is_unknown_is_a_surprise_not_a_key_error() -> None:
    track = Tracker(root_role="main")
    track.set_root(MAIN)
    track.owner[T1] = 999  # a thread told of a process the tracker never saw
    with pytest.raises(TraceSurprise):
        track.feed(f'[pid {T1}] 1.2 write(4<pipe:[7]>, "one", 3) = 3 <0.1>')


def test_a_failure_while_following_the_log_ends_the_run_in_words_not_python_s(
    tmp_path: Any,
) -> None:

    ours, theirs = socket.socketpair()
    request = {
        "run": "t",
        "limits": Settings().limits("live", {}),
        "cwd": str(tmp_path),
        "trace": {"corpus": "pipe_man"},
    }
    sup = TraceSupervisor(theirs, request)
    sup.tracker.set_root(MAIN)

    def broken(_text: str) -> list[dict[str, Any]]:
        return {}["no such key"]  # type: ignore[no-any-return]

    sup.tracker.feed = broken  # type: ignore[method-assign]
    with pytest.raises(RunOver) as over:
        sup.take(f"[pid {MAIN}] 1.0 close(3) = 0 <0.1>\n".encode())
    assert over.value.key == "end.trace_unreadable" and "KeyError" not in over.value.message
    assert over.value.values == {"line": f"[pid {MAIN}] 1.0 close(3) = 0 <0.1>"}

    sup.start = lambda: broken("")  # type: ignore[assignment,method-assign]
    ended = sup.run()
    assert (ended.reason, ended.key, ended.values) == ("error", "end.trace_failed", {})
    sup.log.close()
    ours.close()
    theirs.close()
