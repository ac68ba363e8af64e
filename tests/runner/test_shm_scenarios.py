"""Shared memory's teaching points, read from real events: copy on write against a shared page,
a lost update a student makes by choosing the interleaving, and the semaphore that fixes it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from support import ForkServer, Run, calls, proc_of

from app.scenarios.program import Program


def role_pid(events: list[dict[str, Any]], role: str) -> int:
    return next(e["pid"] for e in events if e["type"] == "proc.start" and e["role"] == role)


def mapping(event: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in event["state"]["mappings"] if m["name"] == name)


def view_of(row: dict[str, Any], pid: int) -> dict[str, Any]:
    return next(v for v in row["views"] if v["pid"] == pid)


def returned(events: list[dict[str, Any]], call: str, pid: int) -> list[dict[str, Any]]:
    return [e for e in calls(events) if e["call"] == call and e["pid"] == pid]


def test_fork_a_private_page_splits_on_write_a_shared_one_does_not(forkserver: ForkServer) -> None:
    events = forkserver.scenario("fork-cow-vs-shared").finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    parent, child = role_pid(events, "parent"), role_pid(events, "child")

    fork = returned(events, "fork", parent)[0]
    private = mapping(fork, "private")
    assert [v["pid"] for v in private["views"]] == [parent, child]
    assert private["split"] == [False]  # one page for both until one writes
    frames = {view_of(private, pid)["pages"][0]["frame"] for pid in (parent, child)}
    assert len(frames) == 1

    private_store, shared_store = (
        next(e for e in returned(events, "store", child) if e["args"]["map"] == name)
        for name in ("private", "shared")
    )
    private = mapping(private_store, "private")
    assert private["split"] == [True]
    assert view_of(private, child)["bytes"][:2] == b"C".hex()
    assert view_of(private, parent)["bytes"][:2] == b"P".hex()
    assert view_of(private, child)["changed"] == [[0, 1]]
    frames = {view_of(private, pid)["pages"][0]["frame"] for pid in (parent, child)}
    if None not in frames:  # the kernel shows frames to CAP_SYS_ADMIN only
        assert len(frames) == 2

    shared = mapping(shared_store, "shared")
    assert shared["id"].startswith("mmap:[") and shared["path"] == "/dev/zero (deleted)"
    assert [v["perms"] for v in shared["views"]] == ["rw-s", "rw-s"]  # one inode, two views
    assert shared["bytes"][:2] == b"C".hex() and shared["changed"] == [[0, 1]]
    assert shared["split"] is None

    seen = [e["data"] for e in returned(events, "load", parent)]
    assert seen == ["C", "P"]  # the child's store to the shared page; its own private page
    assert [e["data"] for e in returned(events, "load", child)] == ["P", "P"]
    last = next(e for e in reversed(events) if e["type"] == "call.return" and e["call"] == "munmap")
    assert last["state"]["mappings"] == [] and last["state"]["gone"]["mappings"][0]["name"]


# -- the lost update, in step mode: the student chooses who goes --------------------------


def step(run: Run, pid: int) -> dict[str, Any]:
    """Let pid's next call go; its return, or its block, once the kernel says."""
    run.control(op="step", pid=pid)
    return run.until(
        lambda e: e["pid"] == pid and e["type"] in ("call.return", "call.block", "proc.exit")
    )


def start_stepped(forkserver: ForkServer, lock: bool) -> tuple[Run, int, int]:
    run = forkserver.scenario("shm-lost-update", {"lock": lock}, mode="step", limits={"wall_s": 20})
    parent = run.until(lambda e: e["type"] == "proc.start")["pid"]
    for _ in range(3 if lock else 2):  # mmap, sem_init, fork
        step(run, parent)
    child = run.until(lambda e: e["type"] == "proc.start" and e["pid"] != parent)["pid"]
    return run, parent, child


def final_count(run: Run, parent: int) -> int:
    run.control(op="play", interval_ms=0)
    events = run.finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    return int(returned(events, "load", parent)[-1]["args"]["value"])


def test_two_loads_before_either_store_lose_an_update(forkserver: ForkServer) -> None:
    run, parent, child = start_stepped(forkserver, lock=False)
    assert step(run, parent)["args"]["value"] == 0  # parent: v = s->counter
    assert step(run, child)["args"]["value"] == 0  # child: v = s->counter, before any store
    store = step(run, parent)
    assert (store["call"], store["args"]["value"]) == ("store", 1)
    store = step(run, child)
    assert (store["call"], store["args"]["value"]) == ("store", 1)  # 0 + 1, over the parent's 1
    row = mapping(store, "s")
    assert row["bytes"][:8] == "01000000" and row["changed"] == []  # 1 stored over 1
    assert final_count(run, parent) == 1


def test_a_load_and_store_not_interleaved_lose_nothing(forkserver: ForkServer) -> None:
    run, parent, child = start_stepped(forkserver, lock=False)
    step(run, parent)
    step(run, parent)
    assert step(run, child)["args"]["value"] == 1
    store = step(run, child)
    assert mapping(store, "s")["bytes"][:8] == "02000000"
    assert mapping(store, "s")["changed"] == [[0, 1]]
    assert final_count(run, parent) == 2


def test_with_the_lock_the_second_process_sleeps_in_futex_until_the_post(
    forkserver: ForkServer,
) -> None:
    run, parent, child = start_stepped(forkserver, lock=True)
    assert step(run, child)["call"] == "sem_wait"  # the child takes the lock first
    assert step(run, child)["args"]["value"] == 0  # and loads
    block = step(run, parent)  # the parent's sem_wait: the lock is taken
    assert block["type"] == "call.block" and block["call"] == "sem_wait"
    assert block["blocked_on"]["wchan"].startswith("futex_")
    assert proc_of(block, parent)["status"] == "blocked"
    assert view_of(mapping(block, "s"), parent)["waiting_at"] == 8  # &s->lock
    assert view_of(mapping(block, "s"), child)["waiting_at"] is None
    assert step(run, child)["args"]["value"] == 1  # the child's store
    run.control(op="step", pid=child)  # sem_post wakes the parent
    woken = run.until(lambda e: e["type"] == "call.return" and e["pid"] == parent)
    assert (woken["call"], woken["ret"], woken["blocked"]) == ("sem_wait", 0, True)
    post = next(e for e in returned(run.events, "sem_post", child))
    assert post["seq"] < woken["seq"]  # the cause first, then the call it woke
    assert step(run, parent)["args"]["value"] == 1  # it loads the child's 1: nothing lost
    assert final_count(run, parent) == 2


def test_live_without_the_lock_round_robin_loses_one(forkserver: ForkServer) -> None:
    events = forkserver.scenario("shm-lost-update").finish()
    parent = role_pid(events, "parent")
    assert returned(events, "load", parent)[-1]["args"]["value"] == 1
    events = forkserver.scenario("shm-lost-update", {"lock": True}).finish()
    parent = role_pid(events, "parent")
    assert returned(events, "load", parent)[-1]["args"]["value"] == 2
    assert any(e["type"] == "call.block" and e["call"] == "sem_wait" for e in events)


# -- the other backings, and the steps' own rules --------------------------------------


def test_a_memfd_mapping_is_one_row_by_inode_and_outlives_its_fd(forkserver: ForkServer) -> None:
    events = forkserver.program(
        {
            "parent": [
                {"op": "mmap", "name": "page", "backing": "memfd", "size": 100, "close_fd": True},
                {"op": "fork", "child": "child"},
                {"op": "store", "map": "page", "offset": 10, "value": 258, "length": 2},
                {"op": "msync", "map": "page"},
                {"op": "wait"},
            ],
            "child": [{"op": "sleep", "ms": 100}, {"op": "load", "map": "page", "offset": 10}],
        }
    ).finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    names = [e["call"] for e in calls(events)][:4]
    assert names == ["memfd_create", "ftruncate", "mmap", "close"]
    store = next(e for e in calls(events) if e["call"] == "store")
    row = mapping(store, "page")
    assert row["path"] == "/memfd:page (deleted)" and row["backing"] == "memfd"
    assert len(row["views"]) == 2 and row["size"] == 100 and row["pages"] == 1
    assert row["bytes"] == bytes(10).hex() + "0201" + bytes(100 - 12)[:52].hex()
    assert row["changed"] == [[10, 2]]
    assert not any(
        r["target"].startswith("/memfd:") for p in store["state"]["procs"] for r in p["fds"]
    )
    load = next(e for e in calls(events) if e["call"] == "load")
    assert load["args"]["value"] == 258
    assert next(e for e in calls(events) if e["call"] == "msync")["ret"] == 0


def test_a_file_mapping_and_a_step_on_an_unmapped_name(forkserver: ForkServer) -> None:
    events = forkserver.program(
        {
            "p": [
                {"op": "mmap", "name": "f", "backing": "file", "path": "data.bin"},
                {"op": "store", "map": "f", "data": "hi"},
                {"op": "munmap", "map": "f"},
                {"op": "load", "map": "f", "length": 2},
            ]
        }
    ).finish()
    store = next(e for e in calls(events) if e["call"] == "store")
    row = mapping(store, "f")
    assert row["path"].endswith("/data.bin") and row["bytes"][:4] == b"hi".hex()
    load = next(e for e in calls(events) if e["call"] == "load")
    assert (load["ret"], load["errno"]) == (-1, "EFAULT")
    munmap = next(e for e in calls(events) if e["call"] == "munmap")
    assert munmap["state"]["gone"]["mappings"][0]["name"] == "f"


@pytest.mark.parametrize(
    ("step", "loc"),
    [
        ({"op": "load", "map": "nope"}, ("procs", "p", 1, "map")),
        ({"op": "load", "map": "m", "offset": 4094}, ("procs", "p", 1, "offset")),
        ({"op": "sem_wait", "map": "m", "offset": 4}, ("procs", "p", 1, "sem_wait", "offset")),
        (
            {"op": "store", "map": "m", "value": 256, "length": 1},
            ("procs", "p", 1, "store", "value"),
        ),
        ({"op": "mmap", "name": "x", "backing": "file"}, ("procs", "p", 1, "mmap", "path")),
        (
            {"op": "mmap", "name": "x", "path": "../x", "backing": "file"},
            ("procs", "p", 1, "mmap", "path"),
        ),
    ],
)
def test_a_bad_step_names_its_role_index_and_field(
    step: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        Program.model_validate({"procs": {"p": [{"op": "mmap", "name": "m"}, step]}})
    assert caught.value.errors()[0]["loc"] == loc
