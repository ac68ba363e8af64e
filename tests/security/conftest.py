"""Fixtures for attacks on the sandbox: a fork server per boundary mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from boundary import MODES, SECRET, SECRET_ENV, ForkServer
from support import runs_as


@pytest.fixture(scope="module", params=sorted(MODES))
def fs(request: pytest.FixtureRequest) -> Iterator[ForkServer]:
    """A fork server (the runner as the web server starts it) whose environment holds a
    secret, in each mode the sandbox has."""
    mode = MODES[request.param]
    if "user" in mode and (why := runs_as(mode["user"])) is not None:
        pytest.skip(f"the fork server cannot run as {mode['user']} here: {why}")
    server = ForkServer(mode["config"], env={SECRET_ENV: SECRET}, user=mode.get("user"))
    server.boundary_mode = request.param  # type: ignore[attr-defined]
    yield server
    server.close()
