"""What can go wrong with a run, each with the HTTP status and a message a user can act on."""

from __future__ import annotations


class RunError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field

    def headers(self) -> dict[str, str] | None:
        """Response headers that go with it (Retry-After, WWW-Authenticate)."""
        return None


class RunNotFound(RunError):
    status = 404


class RunConflict(RunError):
    """The run exists but cannot do that now (it ended; that process cannot be stepped)."""

    status = 409


class TooManyRuns(RunError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


class RunnerDown(RunError):
    status = 503


class StoreDown(RunError):
    """The run store could not do what was asked (a full disk, say); try again."""

    status = 503
