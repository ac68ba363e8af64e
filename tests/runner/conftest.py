from collections.abc import Iterator

import pytest
from support import ForkServer


@pytest.fixture(scope="session")
def forkserver() -> Iterator[ForkServer]:
    server = ForkServer()
    yield server
    server.close()
