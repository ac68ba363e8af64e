"""What a traced run may run, checked again where it is run: the trace spec.

A spec is plain data, built by a scenario from checked parameters:

    {"example": "hello_pipe", "values": {}, "roles": ["parent", "child"], "all_calls": false,
     "lines": {"parent": [["pipe", 23, false], ...], ...}}
    {"pipeline": [["ls"], ["wc", "-l"]], "all_calls": false}
    {"corpus": "threads_pipe", "all_calls": false}

An example must be one of the C examples, a corpus program one of tests/data/c/ (present in
a checkout, never in the image: the tests trace them); a pipeline's every stage must pass
the runner's own exec rules (an allowlisted program, only the arguments its table allows: see
app/scenarios/commands.py). Nothing here ever reaches a shell: the launcher gets each
argument as its own argv entry.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Any

from app.scenarios import argv as arguments
from app.scenarios.argv import Refusal
from app.strace import build

MAX_STAGES = 8
MAX_ARGV = 8  # as a program's exec step
LAUNCH_TTY_FD = 3  # where the launcher finds the terminal (strace has our log on fd 2)
LAUNCH_FILTER_FD = 4  # where it finds the seccomp filter to load (-1 in argv: none)
PATH = "/usr/bin:/bin"
STRACE = shutil.which("strace") or "/usr/bin/strace"
# Pipe, process and fd calls, the calls that wait on fds or move bytes between them, and the
# new kinds' (sockets, FIFOs, signals, shared mappings). `?` lets a name this architecture
# lacks pass (arm64 has no pipe, dup2, open, fork, poll or select); `%process` is fork,
# clone, exec, exit and wait. With all_calls, every call is traced (TRACE_ALL).
TRACED = (
    "%process,?pipe,pipe2,close,?close_range,dup,?dup2,dup3,read,write,readv,writev,"
    "preadv,pwritev,?preadv2,?pwritev2,?open,openat,fcntl,ioctl,?nanosleep,clock_nanosleep,"
    "kill,tgkill,rt_sigaction,setsid,?poll,ppoll,?select,pselect6,?epoll_wait,epoll_pwait,"
    "?epoll_pwait2,epoll_ctl,?epoll_create,epoll_create1,splice,tee,vmsplice,sendfile,"
    "copy_file_range,socketpair,socket,bind,listen,accept,accept4,connect,shutdown,sendto,"
    "recvfrom,sendmsg,recvmsg,?mknod,mknodat,?unlink,unlinkat,mmap,munmap,?pause,"
    "rt_sigsuspend,rt_sigtimedwait,rt_sigreturn"
)
TRACE_ALL = "all"
STRACE_OPTIONS = ("-f", "-q", "-ttt", "-T", "-y", "-x", "-s", "64", "--seccomp-bpf")
_STAGE_SPLIT = re.compile(r"\s*\|\s*")


class SpecError(ValueError):
    """Why a spec cannot run; `refusal` when it is an argument its program's table refuses,
    else `key` and `values`: the message as a key of the page's strings table."""

    def __init__(
        self,
        message: str,
        refusal: Refusal | None = None,
        key: str = "value_error",
        **values: str | int,
    ) -> None:
        super().__init__(message)
        self.refusal, self.key, self.values = refusal, key, values


@dataclass(frozen=True)
class Traced:
    argv: list[str]  # strace's whole command line
    root_role: str
    child_roles: tuple[str, ...]
    all_calls: bool
    title: str
    lines: dict[str, list[list[Any]]]  # the C source's lines, per role (source_lines.py)
    binary_dirs: tuple[str, ...] = ()  # where the compiled programs are: the run may run them


def pipeline_stages(command: str) -> list[list[str]]:
    """`seq 100 | sort -r` -> [["seq", "100"], ["sort", "-r"]], each stage checked."""
    stages = [part.split() for part in _STAGE_SPLIT.split(command.strip())]
    check_stages(stages)
    return stages


def check_stages(stages: list[list[str]]) -> None:
    """The runner's own exec rules: each stage's argv as its program's table allows."""
    if not 1 <= len(stages) <= MAX_STAGES:
        raise SpecError(
            f"a pipeline has 1 to {MAX_STAGES} commands", key="pipeline.stages", most=MAX_STAGES
        )
    for stage in stages:
        if not stage:
            raise SpecError("each side of '|' needs a command", key="pipeline.empty")
        if len(stage) > MAX_ARGV:
            raise SpecError(
                f"a command of a pipeline has 1 to {MAX_ARGV} words",
                key="pipeline.words",
                most=MAX_ARGV,
            )
        if "|" in stage:
            raise SpecError("'|' separates commands; it is not an argument", key="pipeline.bar")
        try:
            arguments.check(stage)
        except Refusal as refusal:
            raise SpecError(str(refusal), refusal) from None


def resolve(spec: dict[str, Any]) -> Traced:
    """The checked command line for strace, and how to name what it starts."""
    all_calls = bool(spec.get("all_calls", False))
    traced = TRACE_ALL if all_calls else TRACED
    command = [STRACE, *STRACE_OPTIONS, "-e", f"trace={traced}", "--"]
    launcher = build.binary(build.LAUNCHER)
    launch = [launcher, str(LAUNCH_TTY_FD), str(LAUNCH_FILTER_FD)]
    if "corpus" in spec:
        name = str(spec["corpus"])
        if name not in build.corpus_names():
            raise SpecError(f"{name!r} is not one of the corpus programs")
        program = build.binary(name, corpus=True)
        return Traced(
            [*command, *launch, program],
            "main",
            (),
            all_calls,
            f"{name}.c",
            {},
            binary_dirs=_dirs(launcher, program),
        )
    if "example" in spec:
        name = str(spec["example"])
        if name not in build.example_names():
            raise SpecError(f"{name!r} is not one of the C examples")
        known = build.parameters(name)
        values = {k: int(v) for k, v in dict(spec.get("values", {})).items() if k in known}
        if any(abs(v) > 1 << 30 for v in values.values()):
            raise SpecError("a parameter value is out of range")
        roles = [str(r) for r in spec.get("roles", [])] or ["parent"]
        program = build.binary(name, values)
        return Traced(
            command + launch + [program],
            roles[0],
            tuple(roles[1:]),
            all_calls,
            f"{name}.c",
            dict(spec.get("lines", {})),
            binary_dirs=_dirs(launcher, program),
        )
    stages = [[str(a) for a in stage] for stage in spec.get("pipeline", [])]
    check_stages(stages)
    argv = [*stages[0]]
    for stage in stages[1:]:
        argv += ["|", *stage]
    return Traced(
        command + launch + argv,
        "shell",
        tuple(stage[0] for stage in stages) if len(stages) > 1 else (),
        all_calls,
        " | ".join(" ".join(s) for s in stages),
        {},
        binary_dirs=_dirs(launcher),
    )


def _dirs(*binaries: str) -> tuple[str, ...]:
    return tuple(sorted({os.path.dirname(b) for b in binaries}))
