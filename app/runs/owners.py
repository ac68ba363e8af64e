"""Who started a run, and so who may control it; and how much one client may start.

`POST /api/runs` answers with the run's control token, once: step, play, pause and kill need
it (REST: `Authorization: Bearer <token>`; WebSocket: `{"op": "auth", "token": ...}`), while
anyone with the run's id may watch. A client is the address its connection comes from; no
`X-Forwarded-For` is believed (the server does not know which proxy to trust), so behind a
proxy every client shares the proxy's limits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.runs.errors import RunError, TooManyRuns

TOKEN_BYTES = 32  # 256 bits, URL-safe base64: 43 characters
MAX_TOKEN_CHARS = 256


class NoToken(RunError):
    status = 401

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": 'Bearer realm="pipescope"'}


class WrongToken(RunError):
    status = 403


def token_digest(token: str) -> str:
    """What is kept of a token beyond the answer that gave it (a stored run's owner)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Owner:
    client: str  # the peer address the run was asked for from
    mode: str
    # "" for a run read back from the store, which keeps only the token's digest
    token: str = field(default_factory=lambda: secrets.token_urlsafe(TOKEN_BYTES), repr=False)
    digest: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.digest:
            if not self.token:
                raise ValueError("an owner needs its token, or the digest of it")
            object.__setattr__(self, "digest", token_digest(self.token))

    @classmethod
    def stored(cls, mode: str, digest: str) -> Owner:
        """The owner of a run read back from the store: only the digest of its token."""
        return cls(client="", mode=mode, token="", digest=digest)

    def holds(self, token: str | None) -> bool:
        # compare_digest: how long the comparison takes says nothing about the token
        return bool(token) and hmac.compare_digest(token_digest(token or ""), self.digest)

    def check(self, token: str | None, run_id: str, where: str, how: str) -> None:
        """Raise unless `token` is this run's; `how` says how to send it."""
        if token is None:
            raise NoToken(
                f"controlling run {run_id} needs the control_token that POST /api/runs "
                f"returned when it was started; send it as {how}",
                field=where,
            )
        if not self.holds(token):
            raise WrongToken(
                f"that is not the control token of run {run_id}: only whoever started it may "
                "step, play, pause or stop it (anyone may watch); start a run of your own",
                field=where,
            )


class _Alive(Protocol):
    owner: Owner
    started: float
    limits: dict[str, float]


def check_client(
    runs: Iterable[_Alive], starting: Iterable[Owner], asker: Owner, most: int, most_step: int
) -> None:
    """Raise 429 if `asker`'s client already has its share of runs (alive or starting)."""
    mine = [r for r in runs if r.owner.client == asker.client]
    pending = [o for o in starting if o.client == asker.client]
    if len(mine) + len(pending) >= most:
        wait = _first_end(mine)
        raise TooManyRuns(
            f"you already have {len(mine) + len(pending)} runs running, the most one client "
            f"may have at once (PIPESCOPE_MAX_RUNS_PER_CLIENT); stop one, or try again in "
            f"{wait} s",
            retry_after=wait,
        )
    if asker.mode != "step":
        return
    stepping = [r for r in mine if r.owner.mode == "step"]
    if len(stepping) + sum(o.mode == "step" for o in pending) >= most_step:
        wait = _first_end(stepping)
        raise TooManyRuns(
            f"you already have {most_step} step-mode runs running, the most one client may "
            f"have at once (PIPESCOPE_MAX_STEP_RUNS_PER_CLIENT); stop one, run live, or try "
            f"again in {wait} s",
            retry_after=wait,
        )


def _first_end(runs: list[_Alive]) -> int:
    """Seconds until the first of these runs reaches its wall-time limit."""
    now = time.monotonic()
    ends = [r.started + float(r.limits["wall_s"]) - now for r in runs]
    return max(1, math.ceil(min(ends, default=1)))
