"""The built-in scenarios. Importing this package registers every one of them."""

from app.scenarios.builtin import (  # noqa: F401  (registers on import)
    basics,
    fifo,
    flow,
    sharing,
    shell,
    shm,
    signals,
    sockets,
    traced,
)
