"""Give the memory of dropped runs back to the system.

A recording is thousands of strings of a few KiB to tens of KiB each. glibc's malloc serves
strings that size from its heap (they are below its mmap threshold), and a free()d chunk
goes back to malloc, not to the kernel, unless it sits at the very top of the heap: after
eight big runs were dropped, the server still held every page they had used (see
BENCHMARKS.md). `malloc_trim(0)` hands back every whole free page of every arena, in about
a millisecond here; nothing else is needed, as reference counting alone frees a dropped run.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

TRIM_AFTER = 8 << 20  # bytes of recordings dropped before a trim is worth its millisecond


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no such call): nothing to do
        return None
    return trim


_TRIM = _malloc_trim()


class GiveBack:
    """Counts what dropped runs held, and returns free pages to the system once it is much."""

    def __init__(self) -> None:
        self.dropped = 0

    def __call__(self, size: int) -> None:
        """Runs of `size` bytes were dropped (and nothing holds them any more)."""
        self.dropped += size
        if self.dropped >= TRIM_AFTER:
            self.dropped = 0
            if _TRIM is not None:
                _TRIM(0)
