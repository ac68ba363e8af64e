"""Signals, with C's semantics rather than Python's (kill, sigaction, masks, waits)."""

from __future__ import annotations

from app.runner.ops.base import OpsBase


class SignalOps(OpsBase):
    pass
