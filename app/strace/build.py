"""The C examples as programs: compiled with gcc on first use, then cached.

A compiled program is cached in a folder named by a hash of its source (with any parameter values
written in), so an edited source or a new parameter value compiles again and nothing stale
runs. The cache is `examples/c/bin/` (ignored by git) when the checkout is writable, else
`$XDG_CACHE_HOME/pipescope/bin`, else a directory under /tmp. A binary appears whole, by
rename, so runs compiling the same program at once never see half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from app.scenarios.source import EXAMPLES, c_source

CFLAGS = ("-O1", "-w")
LAUNCHER = "launch"  # pipescope's own launcher (examples/c/launch.c), not an example
SHOWN_ONLY = "pipeline"  # what a shell does for any pipeline: a function to read, no program
# The corpus of classic programs the tests trace (tests/data/c/, not in the image): each is
# traced as an example is, so a test runs exactly what a pasted program will.
CORPUS = EXAMPLES.parents[1] / "tests" / "data" / "c"
# `int total = 100000;` at the top of an example is one of its parameters.
GLOBAL = re.compile(r"^int (\w+) = (-?\d+);", re.MULTILINE)


class BuildError(RuntimeError):
    pass


def example_names() -> list[str]:
    """Every C example a run may trace: the allowlist of compiled programs."""
    return sorted(p.stem for p in EXAMPLES.glob("*.c") if p.stem not in (LAUNCHER, SHOWN_ONLY))


def corpus_names() -> list[str]:
    """The corpus programs present in this checkout (none in the image)."""
    return sorted(p.stem for p in CORPUS.glob("*.c")) if CORPUS.is_dir() else []


def parameters(name: str) -> dict[str, int]:
    """The example's parameters and their values as written in its source."""
    return {m.group(1): int(m.group(2)) for m in GLOBAL.finditer(c_source(name))}


def with_values(text: str, values: dict[str, int]) -> str:
    """The source with parameter values written in; every line stays where it was."""

    def put(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        return m.group(0) if value is None else f"int {m.group(1)} = {int(value)};"

    return GLOBAL.sub(put, text)


def cache_dirs() -> list[Path]:
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [
        EXAMPLES / "bin",
        Path(xdg) / "pipescope" / "bin",
        Path(tempfile.gettempdir()) / f"pipescope-bin-{os.getuid()}",
    ]


def binary(name: str, values: dict[str, int] | None = None, corpus: bool = False) -> str:
    """The path of the compiled example `name` (or corpus program), compiling it first if
    needed."""
    if corpus:
        if name not in corpus_names():
            raise BuildError(f"{name!r} is not one of the corpus programs")
        text = (CORPUS / f"{name}.c").read_text()
    elif name != LAUNCHER and name not in example_names():
        raise BuildError(f"{name!r} is not one of the C examples")
    else:
        text = with_values(c_source(name), values or {})
    digest = hashlib.sha256("\0".join((text, *CFLAGS)).encode()).hexdigest()[:12]
    failure: Exception | None = None
    for folder in cache_dirs():
        path = folder / digest / name  # its own folder: the program is called by its name
        if os.access(path, os.X_OK) and path.stat().st_mode & 0o005 == 0o005:
            return str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            compile_to(text, path)
            return str(path)
        except OSError as err:  # not writable here: try the next place
            failure = err
    raise BuildError(f"cannot compile {name}.c: {failure}")


def compile_to(text: str, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        done = subprocess.run(
            ["gcc", *CFLAGS, "-x", "c", "-o", tmp, "-"],
            input=text.encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise BuildError(done.stderr.decode(errors="replace")[-2000:])
        # Readable by the run's own uid: the kernel makes a process that execs a binary it
        # cannot read undumpable, and strace could then no longer read its arguments.
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
