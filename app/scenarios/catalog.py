"""What a scenario is: teaching text in two languages, C source, parameters, and a program.

A scenario's program is built from its parameters by `build`; the result is checked by the
same `Program` model that checks a user-composed program, so nothing built-in skips
validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from app.scenarios.program import Program
from app.scenarios.source import in_both

Text = dict[str, str]  # {"en": ..., "zh": ...}
LANGS = ("en", "zh")
# The note's chapters, in its order: the gallery groups scenarios by these.
CHAPTERS = ("pipe", "fifo", "signal", "shm", "socket", "shell")


@dataclass(frozen=True)
class Param:
    name: str
    kind: type[int] | type[bool] | type[str]
    default: int | bool | str
    label: Text
    min: int | None = None
    max: int | None = None
    pattern: str | None = None  # a str param's allowed characters, as a regex

    def to_json(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "type": {bool: "bool", int: "int", str: "str"}[self.kind],
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "label": self.label,
        }
        return out | ({"pattern": self.pattern} if self.pattern else {})


@dataclass(frozen=True)
class Scenario:
    name: str
    title: Text
    summary: Text  # the teaching point, one line
    notice: Text  # what to look for once the run ends
    source: str  # the equivalent C program; steps carry its line numbers
    build: Callable[[dict[str, Any]], dict[str, Any]]
    params: tuple[Param, ...] = ()
    limits: dict[str, float] = field(default_factory=dict)
    order: int = 100
    backend: str = "runner"  # "strace": build returns a trace spec, not a Program
    chapter: str = "pipe"  # one of CHAPTERS

    def __post_init__(self) -> None:
        if self.chapter not in CHAPTERS:
            raise ValueError(f"scenario {self.name!r}: chapter {self.chapter!r} not in {CHAPTERS}")

    def params_model(self) -> type[BaseModel]:
        fields: dict[str, Any] = {
            p.name: (p.kind, Field(default=p.default, ge=p.min, le=p.max, pattern=p.pattern))
            for p in self.params
        }
        return create_model(
            f"{self.name}-params", __config__=ConfigDict(extra="forbid", strict=True), **fields
        )

    def program(self, params: dict[str, Any] | None = None) -> Program:
        """Checked parameters in, checked program out; raises ValidationError naming the field."""
        values = self.params_model().model_validate(params or {}).model_dump()
        return Program.model_validate(self.build(values))

    def request(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the runner needs to start this scenario: checked, plain data."""
        if self.backend != "runner":
            values = self.params_model().model_validate(params or {}).model_dump()
            return {"backend": self.backend, "trace": self.build(values)}
        return {"backend": "runner", "program": self.program(params).model_dump(exclude_none=True)}

    def to_json(self, with_program: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "notice": self.notice,
            "params": [p.to_json() for p in self.params],
            "limits": self.limits,
            "source": str(self.source),
            "sources": in_both(self.source),
            "backend": self.backend,
            "chapter": self.chapter,
        }
        if with_program and self.backend == "runner":
            out["program"] = self.program().model_dump(exclude_none=True)
        return out


_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in _REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} registered twice")
    _REGISTRY[scenario.name] = scenario
    return scenario


def all_scenarios() -> list[Scenario]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def get(name: str) -> Scenario | None:
    _load()
    return _REGISTRY.get(name)


def _load() -> None:
    from app.scenarios import builtin  # noqa: F401  (registers on import)


__all__ = [
    "CHAPTERS",
    "LANGS",
    "Param",
    "Scenario",
    "ValidationError",
    "all_scenarios",
    "get",
    "register",
]
