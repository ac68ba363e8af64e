"""Give the memory of dropped runs back to the system.

A recording is thousands of strings of a few KiB to tens of KiB each. glibc's malloc serves
strings that size from its heap (they are below its mmap threshold), and a free()d chunk
goes back to malloc, not to the kernel, unless it sits at the very top of the heap: after
eight big runs were dropped, the server still held every page they had used (see
BENCHMARKS.md). `malloc_trim(0)` hands back every whole free page of every arena.
"""

from __future__ import annotations

import ctypes
import gc
import logging
from collections.abc import Callable

log = logging.getLogger("pipescope.runs")


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no such call): nothing to do
        return None
    return trim


_TRIM = _malloc_trim()


def give_back() -> None:
    """After runs were dropped: free what only a cycle still holds, then return free pages."""
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
