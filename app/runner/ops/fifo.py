"""FIFOs: named pipes in the file system (mkfifo, open, unlink)."""

from __future__ import annotations

from app.runner.ops.base import OpsBase


class FifoOps(OpsBase):
    pass
