"""Settings, read from `PIPESCOPE_*` environment variables; the defaults need no configuration.

`PIPESCOPE_PORT=9000`, `PIPESCOPE_WALL_S=5`, `PIPESCOPE_ALLOWED_ORIGINS=https://a.example,https://b.example`.
The limits are ceilings: a scenario may ask for less (forgot-close stops after 2 s), never more.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# An origin as a CSP source may name it: http(s), a host (its first label may be *), a port.
FRAME_SOURCE = re.compile(
    r"\*|https?://(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"(?::\d{1,5})?|https?://\[[0-9a-f:.]+\](?::\d{1,5})?",
    re.IGNORECASE,
)


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/pipescope, or ~/.local/share/pipescope (the image sets /data)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pipescope"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIPESCOPE_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="address to bind; 0.0.0.0 serves others")
    port: int = Field(default=8000, ge=0, le=65535)

    # Per-run limits, as the runner enforces them.
    wall_s: float = Field(default=10, gt=0, le=3600, description="wall time of a live run")
    step_wall_s: float = Field(
        default=300, gt=0, le=3600, description="wall time of a step-mode run: it waits on a person"
    )
    cpu_s: int = Field(default=5, ge=1, le=600, description="CPU seconds per process")
    memory_mb: int = Field(default=512, ge=16, le=65536, description="address space per process")
    max_procs: int = Field(default=16, ge=1, le=256)
    max_events: int = Field(default=20000, ge=10, le=1_000_000)
    max_recording_mb: int = Field(
        default=64, ge=1, le=4096, description="MB of events one run may record (JSON text)"
    )

    server_user: str | None = Field(
        default=None,
        description="started as root, the web server becomes this user once the runner is up",
    )
    run_uid_base: int = Field(
        default=2_000_000_000,
        ge=1000,
        le=4_294_967_294 - 4096,
        description="when the runner is root, each run gets a uid of its own, from the 4096 "
        "from here",
    )

    # The service.
    max_runs: int = Field(default=8, ge=1, description="runs alive at once; the next gets 429")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins (scheme://host:port) whose pages may open the WebSocket, besides "
        "the server's own; '*' allows any",
    )
    embed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins (scheme://host:port, or https://*.example.org) whose pages may "
        "frame the embed page /embed/{id}, besides the server's own; '*' allows any. No other "
        "page may be framed by another origin",
    )
    viewer_grace_s: float = Field(
        default=5, ge=0, description="a run whose last viewer left is killed after this long"
    )
    keep_finished: int = Field(
        default=32, ge=0, description="finished runs kept in memory (the store keeps the rest)"
    )
    keep_finished_s: float = Field(default=3600, ge=0, description="and for at most this long")
    keep_finished_mb: int = Field(default=256, ge=0, description="and in at most this much text")

    # The run store (app/store/): every finished run, read back after a restart.
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="where the run store's file (runs.sqlite3) is kept; made on first start",
    )
    store_keep_days: float = Field(
        default=30, gt=0, description="days a stored run is kept, from when it was written"
    )
    store_max_mb: float = Field(
        default=1024, gt=0, description="the oldest stored runs are forgotten past this size"
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql://user:password@host:port/dbname: the run store in PostgreSQL, "
        "instead of the SQLite file in data_dir",
    )
    broker_url: str | None = Field(
        default=None,
        description="redis://host:port/db: replicas of the server share their runs through "
        "this Redis (app/runs/broker.py): a viewer on any replica watches a run of any other. "
        "None: one server, its runs in its own memory",
    )
    replica_name: str | None = Field(
        default=None,
        description="this replica's name in the broker (unique among the replicas); "
        "default: the host name and the process id",
    )
    store_retry_s: float = Field(
        default=60,
        gt=0,
        description="how often retention is applied and runs the store could not take are "
        "written again",
    )
    viewer_send_timeout_s: float = Field(
        default=30, gt=0, description="a viewer that takes no message for this long is dropped"
    )

    # Who may drive the service (app/guards.py, app/runs/owners.py).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host header names served besides 127.0.0.1, localhost, [::1] and `host`; "
        "'*' serves any. Bound to 0.0.0.0, name here what clients will type",
    )
    max_runs_per_client: int = Field(
        default=4, ge=1, description="runs alive at once started from one client address"
    )
    max_step_runs_per_client: int = Field(
        default=2, ge=1, description="of those, step-mode runs (they wait on a person: 300 s)"
    )
    max_viewers_per_run: int = Field(default=64, ge=1, description="WebSockets watching one run")

    # Lessons (app/runs/lesson.py): a step-mode run a teacher drives and a class follows.
    lesson_wall_s: float = Field(
        default=3600, gt=0, le=14400, description="wall time of a lesson (a class, not a step)"
    )
    lesson_teacher_grace_s: float = Field(
        default=120,
        gt=0,
        le=3600,
        description="a lesson whose teacher's page has not been heard from for this long ends",
    )
    max_viewers_per_lesson: int = Field(
        default=500, ge=1, description="WebSockets watching one lesson (a class)"
    )
    max_viewers: int = Field(
        default=2000, ge=1, description="WebSockets watching any run of this server at once"
    )
    ws_shared_frames: bool = Field(
        default=False,
        description="compress each WebSocket message on its own and send its frame to every "
        "viewer: a third less CPU and 35 KiB less a viewer for a large class, 2.5 to 5 times "
        "the bytes on the network (app/wire.py)",
    )
    max_body_kb: int = Field(
        default=64, ge=1, le=65536, description="largest request body or WebSocket message, KiB"
    )
    max_import_mb: int = Field(
        default=72,
        ge=1,
        le=4096,
        description="largest run export POST /api/runs/import takes, MB (the one body allowed "
        "past max_body_kb; the default fits a run of max_recording_mb)",
    )

    max_source_kb: int = Field(
        default=32,
        ge=1,
        le=1024,
        description="largest C source POST /api/runs takes as `c_source`, KiB (its JSON must "
        "also fit max_body_kb)",
    )
    compile_s: int = Field(default=10, ge=1, le=120, description="CPU seconds gcc may take")
    compile_memory_mb: int = Field(
        default=1024, ge=64, le=65536, description="address space of gcc and its helpers"
    )
    paste_cache_count: int = Field(
        default=64, ge=1, le=100_000, description="compiled pasted programs kept"
    )
    paste_cache_mb: int = Field(
        default=64, ge=1, le=65536, description="and in at most this much disk"
    )

    def compile_limits(self) -> dict[str, int]:
        return {
            "compile_s": self.compile_s,
            "memory_mb": self.compile_memory_mb,
            "cache_count": self.paste_cache_count,
            "cache_mb": self.paste_cache_mb,
        }

    @field_validator("database_url")
    @classmethod
    def _postgresql(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("a PostgreSQL URL: postgresql://user:password@host:port/dbname")
        return value or None

    @field_validator("broker_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "a Redis URL: redis://host:port/db (or rediss://, unix://); the broker is "
                "Redis streams, not PostgreSQL LISTEN/NOTIFY"
            )
        return value or None

    @field_validator("allowed_origins", "allowed_hosts", "embed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("embed_origins")
    @classmethod
    def _frame_sources(cls, origins: list[str]) -> list[str]:
        # Each goes into a Content-Security-Policy as it is: nothing but an origin may pass.
        for origin in origins:
            if not FRAME_SOURCE.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port] "
                    "(https://slides.example.org, https://*.example.org, http://localhost:8080) "
                    "or '*', comma-separated"
                )
        return origins

    def limits(self, mode: str, asked: dict[str, float]) -> dict[str, Any]:
        """The limits a run gets: the scenario's own where it asks for less than ours. A
        scenario's wall time is for live runs; a step-mode run moves as fast as a person, and
        a lesson (`mode` "lesson") as fast as a class."""
        wall = self.wall_s
        if mode in ("step", "lesson"):
            wall = self.lesson_wall_s if mode == "lesson" else self.step_wall_s
            asked = {k: v for k, v in asked.items() if k != "wall_s"}
        ours: dict[str, Any] = {
            "wall_s": wall,
            "cpu_s": self.cpu_s,
            "memory_mb": self.memory_mb,
            "max_procs": self.max_procs,
            "max_events": self.max_events,
            "max_recording_mb": self.max_recording_mb,
        }
        return {key: min(value, asked.get(key, value)) for key, value in ours.items()}
