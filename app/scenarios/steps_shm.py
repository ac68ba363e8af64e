"""Program steps on shared memory: a mapping, the loads and stores on it, and a semaphore in it.

A mapping is named, as a pipe is: `{"op": "mmap", "name": "page", ...}` makes `page`, and
later steps say `"map": "page"`. Loads and stores have no system call (the CPU does them);
each is a declared step the supervisor lets go like a call, so a student can interleave two
processes' read-modify-writes. A name is the mapping's in every process that inherits it by
fork, as a C pointer is. Every step that names a mapping must name one some `mmap` makes,
and stay inside the size it gives (`check_mappings`).
"""

from __future__ import annotations

from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

PAGE = 4096
MAX_MAP = 16 * PAGE  # a lesson's mapping: a few pages, all of them drawn
MAP_NAME = r"^[a-z_][a-z0-9_]{0,15}$"
FILE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$"  # a file in the run's directory, no path
SEM_SIZE = 32  # sizeof(sem_t) on 64-bit Linux
WIDTHS = (1, 2, 4, 8)  # a load or store of these sizes is also an integer (little-endian)


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: int | None = Field(default=None, ge=1, description="C source line this step maps to")


class MmapStep(_Step):
    op: Literal["mmap"]
    name: str = Field(pattern=MAP_NAME, description="what later steps call it", examples=["page"])
    size: int = Field(
        default=PAGE, ge=1, le=MAX_MAP, description="bytes; the kernel maps whole pages"
    )
    share: Literal["shared", "private"] = Field(
        default="shared", description="MAP_SHARED (one page for all) or MAP_PRIVATE (copy on write)"
    )
    backing: Literal["anon", "memfd", "file"] = Field(
        default="anon",
        description="MAP_ANONYMOUS; a memfd_create'd file; or a file in the run's directory",
    )
    path: str | None = Field(default=None, pattern=FILE_NAME, description="for backing=file")
    close_fd: bool = Field(
        default=False, description="close the memfd or file once mapped: the mapping outlives it"
    )

    @model_validator(mode="after")
    def _path_for_a_file(self) -> MmapStep:
        if (self.backing == "file") != (self.path is not None):
            bad("path", "a path is needed exactly when backing is 'file'", self.path)
        if self.close_fd and self.backing == "anon":
            bad("close_fd", "close_fd needs a memfd or file: an anonymous mapping has no fd", True)
        return self


class LoadStep(_Step):
    op: Literal["load"]
    map: str = Field(pattern=MAP_NAME)
    offset: int = Field(default=0, ge=0, lt=MAX_MAP)
    length: int = Field(default=4, ge=1, le=64)


class StoreStep(_Step):
    op: Literal["store"]
    map: str = Field(pattern=MAP_NAME)
    offset: int = Field(default=0, ge=0, lt=MAX_MAP)
    length: int | None = Field(
        default=None, ge=1, le=64, description="bytes; with value, 1, 2, 4 or 8 (default 4)"
    )
    data: str | None = Field(default=None, max_length=64, description="bytes to store, as text")
    value: int | None = Field(default=None, ge=0, description="an unsigned integer, little-endian")
    from_load: bool = Field(default=False, description="store the last load's value plus `add`")
    add: int = Field(default=0, ge=-(1 << 31), le=1 << 31)

    @model_validator(mode="after")
    def _one_source(self) -> StoreStep:
        if sum([self.data is not None, self.value is not None, self.from_load]) != 1:
            bad("data", "a store needs exactly one of data, value or from_load", self.data)
        if self.add and not self.from_load:
            bad("add", "add goes with from_load", self.add)
        if self.data is not None:
            if self.length not in (None, len(self.data.encode())):
                bad("length", "length, with data, is the data's length: leave it out", self.length)
            self.length = len(self.data.encode())
        elif self.value is not None:
            self.length = self.length or 4
            if self.length not in WIDTHS:
                bad(
                    "length",
                    f"a value is stored in 1, 2, 4 or 8 bytes, not {self.length}",
                    self.length,
                )
            if self.value >= 1 << (8 * self.length):
                bad("value", f"{self.value} does not fit in {self.length} bytes", self.value)
        return self


class MsyncStep(_Step):
    op: Literal["msync"]
    map: str = Field(pattern=MAP_NAME)
    flags: Literal["MS_SYNC", "MS_ASYNC"] = "MS_SYNC"


class MunmapStep(_Step):
    op: Literal["munmap"]
    map: str = Field(pattern=MAP_NAME)


class _SemStep(_Step):
    map: str = Field(pattern=MAP_NAME)
    offset: int = Field(default=0, ge=0, lt=MAX_MAP, description="where the sem_t lies; 8-aligned")

    @model_validator(mode="after")
    def _aligned(self) -> _SemStep:
        if self.offset % 8:
            bad("offset", "a sem_t lies on an 8-byte boundary: use a multiple of 8", self.offset)
        return self


class SemInitStep(_SemStep):
    op: Literal["sem_init"]
    value: int = Field(default=1, ge=0, le=1 << 16)


class SemWaitStep(_SemStep):
    op: Literal["sem_wait"]


class SemPostStep(_SemStep):
    op: Literal["sem_post"]


SHM_STEPS = (
    MmapStep,
    LoadStep,
    StoreStep,
    MsyncStep,
    MunmapStep,
    SemInitStep,
    SemWaitStep,
    SemPostStep,
)


def check_mappings(procs: dict[str, list[Any]]) -> None:
    """Each step naming a mapping names one an `mmap` of the program makes, and stays within
    its size (the largest, if two steps make one name). Raises a ValidationError at
    (role, step index, field), as the models' own errors are placed."""
    sizes: dict[str, int] = {}
    for steps in procs.values():
        for step in steps:
            if isinstance(step, MmapStep):
                sizes[step.name] = max(sizes.get(step.name, 0), step.size)
    for role, steps in procs.items():
        for index, step in enumerate(steps):
            name = getattr(step, "map", None)
            if not isinstance(name, str):
                continue
            if name not in sizes:
                fail((role, index, "map"), f"no mmap step makes a mapping named {name!r}", name)
            end = getattr(step, "offset", 0) + reach(step)
            if end > sizes[name]:
                where = (role, index, "offset")
                fail(
                    where,
                    f"bytes {end - reach(step)}..{end} are past {name!r}'s {sizes[name]} bytes",
                    end,
                )


def reach(step: Any) -> int:
    if isinstance(step, (SemInitStep, SemWaitStep, SemPostStep)):
        return SEM_SIZE
    return int(getattr(step, "length", 0) or 0)


def fail(loc: tuple[str | int, ...], message: str, given: object) -> NoReturn:
    """A program's error at (role, step, field), under `procs` as pydantic places the rest."""
    bad("procs", message, given, loc)


def bad(field: str, message: str, given: object, loc: tuple[str | int, ...] = ()) -> NoReturn:
    """An error placed at its field (a model's own check is otherwise placed at the step)."""
    error = PydanticCustomError("mapping" if loc else "value_error", message)
    raise ValidationError.from_exception_data(
        "step", [InitErrorDetails(type=error, loc=(field, *loc), input=given)]
    )
