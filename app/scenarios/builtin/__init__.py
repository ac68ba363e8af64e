"""The built-in scenarios. Importing this package registers every one of them."""

from app.scenarios.builtin import basics, fifo, flow, sharing, shell, shm, signals, traced  # noqa: F401
