"""An independent observer of shared memory: after every step of a step-mode run, the test
reads /proc/PID/maps, the backing file's bytes (through map_files), pagemap and the futex
address itself, and checks each event's `mappings` against them.

Nothing here comes from app/kernel. Run as root (map_files and frames need CAP_SYS_ADMIN).
"""

from __future__ import annotations

import os
import re
import struct
from typing import Any

import pytest
from support import ForkServer
from test_observer import Stream

MAPS = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)[ \t]*(.*)$", re.M)
SCENARIOS = [
    ("fork-cow-vs-shared", {}),
    ("shm-lost-update", {}),
    ("shm-lost-update", {"lock": True}),
]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="map_files needs CAP_SYS_ADMIN")


def maps_of(pid: int) -> dict[str, tuple[str, str, int, str]]:
    """start (0x...) -> (end, perms, inode, path), as this test reads /proc/PID/maps."""
    with open(f"/proc/{pid}/maps") as f:
        text = f.read()
    return {f"0x{m[1]}": (f"0x{m[2]}", m[3], int(m[4]), m[5]) for m in MAPS.finditer(text)}


def pread(path: str, count: int, offset: int) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, count, offset)
    finally:
        os.close(fd)


def frame_and_present(pid: int, start: int) -> tuple[bool, int]:
    entry = struct.unpack("<Q", pread(f"/proc/{pid}/pagemap", 8, start // 4096 * 8))[0]
    return bool(entry >> 63), entry & ((1 << 55) - 1)


def futex_offset(pid: int, start: int, size: int) -> int | None:
    """Where pid sleeps in futex(2), as an offset in [start, start+size), from its syscall."""
    with open(f"/proc/{pid}/wchan") as f:
        if not f.read().startswith("futex_"):
            return None
    with open(f"/proc/{pid}/syscall") as f:
        fields = f.read().split()
    if fields[0] != "202":
        return None
    addr = int(fields[1], 16)
    return addr - start if start <= addr < start + size else None


def differences(state: dict[str, Any]) -> list[str]:
    out: list[str] = []
    live = {p["pid"] for p in state["procs"] if p["status"] not in ("exited", "killed")}
    shown_ids = set()
    for row in state["mappings"]:
        shown_ids.add(row["id"])
        for v in row["views"]:
            if v["pid"] not in live:
                out.append(f"{row['id']}: a view of {v['pid']}, which is not alive")
                continue
            line = maps_of(v["pid"]).get(v["start"])
            if line is None:
                out.append(f"{row['id']}: {v['pid']} has nothing mapped at {v['start']}")
                continue
            end, perms, inode, path = line
            if (v["end"], v["perms"]) != (end, perms):
                out.append(f"{row['id']} in {v['pid']}: shown {v['end']} {v['perms']}, maps {line}")
            if row["share"] == "shared" and (row["inode"], row["path"]) != (inode, path):
                out.append(f"{row['id']}: shown {row['inode']} {row['path']}, maps {line}")
            start = int(v["start"], 16)
            present, frame = frame_and_present(v["pid"], start)
            if v["pages"][0]["present"] != present or (present and v["pages"][0]["frame"] != frame):
                out.append(
                    f"{row['id']} in {v['pid']}: page {v['pages'][0]}, pagemap {present} {frame}"
                )
            if row["share"] == "shared":
                mine = pread(f"/proc/{v['pid']}/map_files/{v['start'][2:]}-{end[2:]}", 64, 0)
                if row["bytes"] != mine.hex():
                    out.append(
                        f"{row['id']}: bytes shown {row['bytes']}, the file holds {mine.hex()}"
                    )
            elif present:
                mine = pread(f"/proc/{v['pid']}/mem", 64, start)  # present: no fault
                if v["bytes"] != mine.hex():
                    out.append(
                        f"{row['id']} in {v['pid']}: shown {v['bytes']}, memory {mine.hex()}"
                    )
            waits = futex_offset(v["pid"], start, row["size"])
            if v["waiting_at"] != waits:
                out.append(
                    f"{row['id']} in {v['pid']}: waiting_at {v['waiting_at']}, kernel {waits}"
                )
        if row["share"] == "private" and len(row["views"]) == 2:
            frames = {frame_and_present(v["pid"], int(v["start"], 16)) for v in row["views"]}
            if row["split"] != [len(frames) == 2]:
                out.append(f"{row['id']}: split {row['split']}, frames {frames}")
    # Every writable shared object a live process maps is shown (the interpreter makes none;
    # glibc maps its gconv cache shared, read-only).
    for pid in live:
        for start, (_, perms, inode, _path) in maps_of(pid).items():
            if perms == "rw-s" and not any(
                v["pid"] == pid and v["start"] == start
                for r in state["mappings"]
                for v in r["views"]
            ):
                out.append(f"{pid}: maps a shared object at {start} (inode {inode}) not shown")
    return out


@pytest.mark.parametrize(("name", "params"), SCENARIOS)
def test_every_step_of_a_mapping_matches_the_kernel_read_independently(
    forkserver: ForkServer, name: str, params: dict[str, Any]
) -> None:
    run = forkserver.scenario(name, params, mode="step", limits={"wall_s": 60})
    stream = Stream(run)
    checked = 0
    try:
        while True:
            event = stream.still()
            if event["type"] == "run.end":
                break
            problems = differences(event["state"])
            assert not problems, f"{name} at {event['seq']} ({event['type']}): {problems}"
            checked += bool(event["state"]["mappings"])
            if any(p["next"] for p in event["state"]["procs"]):
                run.control(op="step")
            stream.take(1.0)
    finally:
        run.close()
    assert checked > 5
    assert run.events[-1]["reason"] == "exited", run.events[-1]["message"]
