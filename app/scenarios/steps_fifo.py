"""Program steps for FIFOs: `mkfifo`, `open` and `unlink` of a name in the run's directory.

A path is a bare name, resolved in the run's own directory (its cwd, which is also HOME and
TMPDIR): never a `/`, never `.` or `..`, so no step can reach a file outside the run. `open`
names the fd it gets, as `pipe` names `fd[0]`: later steps write that name where an fd goes
(`{"op": "read", "fd": "rfd"}`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# A file name in the run's directory: no slash, no leading dot (so neither `.` nor `..`).
PATH_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$"
FD_NAME = r"^[a-z_][a-z0-9_]{0,15}$"
MODE = r"^0[0-7]{3}$"
ACCESS_MODES = ("O_RDONLY", "O_WRONLY", "O_RDWR")
# Flags an open may add to its access mode; anything else is refused, by name.
OPEN_FLAGS = ("O_NONBLOCK", "O_CLOEXEC", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND")


def _name_in_run_dir(path: str) -> str:
    if not re.match(PATH_NAME, path):
        raise ValueError(
            f"path {path[:40]!r} is not a name in the run's directory: up to 32 letters, "
            "digits, '_', '.' or '-', with no '/' and not starting with '.'"
        )
    return path


def _octal_mode(mode: str) -> str:
    if not re.match(MODE, mode):
        raise ValueError(f'mode {mode[:12]!r} is not octal permission bits such as "0644"')
    return mode


PathName = Annotated[
    str,
    AfterValidator(_name_in_run_dir),
    Field(
        max_length=64,
        json_schema_extra={"pattern": PATH_NAME},
        description="a name in the run's directory",
        examples=["myfifo"],
    ),
]
Mode = Annotated[
    str, AfterValidator(_octal_mode), Field(max_length=8, json_schema_extra={"pattern": MODE})
]


class _Step(BaseModel):
    # As program.py's steps: strict (a number is a number), nothing unknown.
    model_config = ConfigDict(extra="forbid", strict=True)
    line: int | None = Field(default=None, ge=1, description="C source line this step maps to")


class MkfifoStep(_Step):
    op: Literal["mkfifo"]
    path: PathName
    mode: Mode = Field(default="0644", description="permission bits, in octal")


class OpenStep(_Step):
    op: Literal["open"]
    path: PathName
    flags: str = Field(
        default="O_RDONLY",
        max_length=96,
        description="as C writes them: one access mode, then any of " + ", ".join(OPEN_FLAGS),
        examples=["O_WRONLY|O_NONBLOCK"],
    )
    name: str = Field(pattern=FD_NAME, description="what later steps call the fd", examples=["rfd"])
    mode: Mode = Field(default="0644", description="with O_CREAT: the new file's bits")

    @field_validator("flags")
    @classmethod
    def _known_flags(cls, flags: str) -> str:
        names = [part.strip() for part in flags.split("|")]
        access = [n for n in names if n in ACCESS_MODES]
        if len(access) != 1:
            raise ValueError("flags need exactly one of O_RDONLY, O_WRONLY or O_RDWR")
        unknown = [n for n in names if n not in ACCESS_MODES and n not in OPEN_FLAGS]
        if unknown:
            allowed = ", ".join(OPEN_FLAGS)
            raise ValueError(f"flag {unknown[0]!r} is not allowed here (allowed: {allowed})")
        if len(set(names)) != len(names):
            raise ValueError("a flag is given twice")
        return "|".join(names)


class UnlinkStep(_Step):
    op: Literal["unlink"]
    path: PathName


FIFO_STEPS = (MkfifoStep, OpenStep, UnlinkStep)
