"""What every kind's operations may use of the process that performs them."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

Result = tuple[int, dict[str, Any]]


class OpsBase:
    """The part of ScenarioProcess an op mixin relies on (defined there)."""

    names: dict[str, int]
    chan: socket.socket

    def call(
        self, call: str, args: dict[str, Any], line: int | None, fn: Callable[[], Result]
    ) -> int:
        raise NotImplementedError

    def fd(self, ref: int | str) -> int:
        raise NotImplementedError
