"""Fixtures for attacks on the sandbox: a fork server per boundary mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from boundary import MODES, SECRET, SECRET_ENV, ForkServer


@pytest.fixture(scope="module", params=sorted(MODES))
def fs(request: pytest.FixtureRequest) -> Iterator[ForkServer]:
    """A fork server (the runner as the web server starts it) whose environment holds a
    secret, in each mode the sandbox has."""
    server = ForkServer(MODES[request.param], env={SECRET_ENV: SECRET})
    server.boundary_mode = request.param  # type: ignore[attr-defined]
    yield server
    server.close()
