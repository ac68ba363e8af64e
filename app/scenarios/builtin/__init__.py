"""The built-in scenarios. Importing this package registers every one of them."""

from app.scenarios.builtin import basics, flow, sharing, shell, sockets, traced  # noqa: F401
