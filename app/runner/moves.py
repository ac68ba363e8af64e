"""Which pipe rings a call moves bytes in, and which way.

read and write move bytes through one fd; the vectored calls do the same with several
buffers (readv, writev, preadv, pwritev); and some calls move bytes between two fds with no
user buffer (splice(2), tee(2), sendfile(2), copy_file_range(2)): one ring loses what the
other gains, except tee, which copies a pipe's bytes without taking them. vmsplice(2) moves
bytes between a pipe and memory, in the direction of the end it is given.
"""

from __future__ import annotations

from typing import Any

READS = frozenset({"read", "readv", "preadv", "preadv2", "recv"})
WRITES = frozenset({"write", "writev", "pwritev", "pwritev2", "send"})
BETWEEN = {  # call -> (the fd bytes leave, the fd they enter); None: nothing leaves (tee)
    "splice": ("fd_in", "fd_out"),
    "copy_file_range": ("fd_in", "fd_out"),
    "sendfile": ("in_fd", "out_fd"),
    "tee": (None, "fd_out"),
}
MOVERS = READS | WRITES | BETWEEN.keys() | {"vmsplice"}


def ring_moves(call: str, args: dict[str, Any], end_of: Any) -> list[tuple[Any, str]]:
    """[(fd, "read" | "write"), ...]: each fd the call moved bytes through, and the way.
    `end_of(fd)` says which end of a pipe an fd is (`read`, `write`, or None)."""
    if call in READS:
        return [(args.get("fd"), "read")]
    if call in WRITES:
        return [(args.get("fd"), "write")]
    if call == "vmsplice":
        fd = args.get("fd")
        return [(fd, "read" if end_of(fd) == "read" else "write")]
    if call in BETWEEN:
        out, into = BETWEEN[call]
        return ([(args.get(out), "read")] if out else []) + [(args.get(into), "write")]
    return []


def fds_moved(call: str, args: dict[str, Any]) -> list[Any]:
    """The fds a call moves bytes through, whichever way."""
    return [fd for fd, _ in ring_moves(call, args, lambda _fd: None)]
