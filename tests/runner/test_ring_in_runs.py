"""The ring as a run shows it: exact, and equal to FIONREAD at every event."""

from typing import Any

import pytest
from support import ForkServer, calls

from app.kernel.ring import RingModel


def predicted(sizes: list[int]) -> int:
    model, total = RingModel(), 0
    for i in range(100_000):
        size = sizes[min(i, len(sizes) - 1)]
        got = model.write(size)
        total += got
        if got < size:
            return total
    raise AssertionError


def accepted_until_full(writes: list[dict[str, Any]]) -> int:
    """The bytes the kernel took, up to the first write it cut short (the ring was full)."""
    accepted = 0
    for w in writes:
        accepted += max(w["ret"], 0)
        if w["ret"] < w["args"]["count"]:
            break
    return accepted


def check_rings(events: list[dict[str, Any]]) -> None:
    """At every event each ring is exact, and its slots hold the bytes FIONREAD counts."""
    for e in events:
        for pipe in e["state"]["pipes"]:
            ring = pipe["ring"]
            assert ring["exact"], e["seq"]
            assert sum(s["len"] for s in ring["slots"] if s) == pipe["bytes"], e["seq"]
            assert ring["head"] - ring["tail"] == sum(1 for s in ring["slots"] if s)


@pytest.mark.parametrize("sizes", [[4096], [5000], [1, 4096], [1000]], ids=str)
def test_a_nonblocking_writer_fills_the_ring_as_the_model_says(
    forkserver: ForkServer, sizes: list[int]
) -> None:
    first = [{"op": "write", "fd": "p[1]", "size": sizes[0]}] if len(sizes) > 1 else []
    events = forkserver.program(
        {
            "writer": [
                {"op": "pipe", "name": "p"},
                {"op": "nonblock", "fd": "p[1]"},
                *first,
                {
                    "op": "write",
                    "fd": "p[1]",
                    "size": sizes[-1],
                    "repeat": 200,
                    "until_error": True,
                },
            ]
        }
    ).finish()
    writes = [e for e in calls(events) if e["call"] == "write"]
    assert writes[-1]["errno"] == "EAGAIN"
    assert accepted_until_full(writes) == predicted(sizes)
    check_rings(events)
