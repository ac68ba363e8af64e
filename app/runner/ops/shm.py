"""Shared memory: mappings and the loads, stores and waits on them (mmap, msync, munmap)."""

from __future__ import annotations

from app.runner.ops.base import OpsBase


class SharedMemoryOps(OpsBase):
    pass
