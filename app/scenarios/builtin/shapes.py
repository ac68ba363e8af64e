"""The shape most scenarios share, each step pointing at its line of the scenario's C source.

One writer, one reader: the parent makes the pipe, forks the reader, closes its read end,
writes, closes its write end and waits; the reader closes its write end and reads until EOF.
The scenarios differ in the middle, so only the two ends are shared here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = dict[str, Any]
At = Callable[..., int]


def writer_opening(at: At, child: str) -> list[Step]:
    return [
        {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
        {"op": "fork", "child": child, "line": at("fork()")},
        {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);")},
    ]


def writer_closing(at: At, child: str) -> list[Step]:
    return [
        {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);")},
        {"op": "wait", "child": child, "line": at("wait(NULL);")},
        {"op": "exit", "code": 0, "line": at("return 0;")},
    ]


def draining_reader(
    at: At, count: int, delay_ms: int | None = None, closes_write_end: bool = True
) -> list[Step]:
    """The child: its own write end closed (unless the lesson is forgetting to), then reads
    until read returns 0. In the C sources the parent's close() lines come first."""
    steps = []
    if closes_write_end:
        steps.append({"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 2)})
    if delay_ms is not None:
        steps.append({"op": "sleep", "ms": delay_ms, "line": at("usleep(")})
    return [
        *steps,
        {"op": "read", "fd": "fd[0]", "count": count, "until_eof": True, "line": at("read(")},
        {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 2)},
        {"op": "exit", "code": 0, "line": at("return 0;")},
    ]
