"""Shared memory's reader inside every boundary mode: where the kernel refuses a way in
(map_files and page frames need CAP_SYS_ADMIN, which a user namespace does not give), the
state says null for what it cannot know, and the lesson still shows."""

from __future__ import annotations

from typing import Any

from boundary import ForkServer
from pydantic import TypeAdapter

from app.events import Event

EVENTS = TypeAdapter(list[Event])


def stores(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "call.return" and e["call"] == "store"]


def test_copy_on_write_shows_in_every_mode(fs: ForkServer) -> None:
    events = fs.scenario("fork-cow-vs-shared").finish()
    EVENTS.validate_python(events)
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    last_store = stores(events)[-1]  # the child's to its private page
    private = next(m for m in last_store["state"]["mappings"] if m["name"] == "private")
    assert private["split"] == [True]  # from pagemap's exclusive bit, if frames are hidden
    assert sorted(v["bytes"][:2] for v in private["views"]) == [b"C".hex(), b"P".hex()]
    shared = next(m for m in last_store["state"]["mappings"] if m["name"] == "shared")
    assert shared["bytes"] is None or shared["bytes"][:2] == b"C".hex()
    frames = [p["frame"] for v in private["views"] for p in v["pages"]]
    if getattr(fs, "boundary_mode", "") == "unprivileged":
        assert frames == [None, None]  # no CAP_SYS_ADMIN in the first user namespace
    else:
        assert None not in frames and len(set(frames)) == 2


def test_the_futex_waiter_is_seen_in_every_mode(fs: ForkServer) -> None:
    events = fs.scenario("shm-lost-update", {"lock": True}).finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    block = next(e for e in events if e["type"] == "call.block")
    assert block["call"] == "sem_wait"
    row = block["state"]["mappings"][0]
    assert [v["waiting_at"] for v in row["views"] if v["pid"] == block["pid"]] == [8]
