"""Record the strace output the parser tests read. Run from the repository root:

    .venv/bin/python tests/data/strace/record.py

Each program runs with fds 0, 1 and 2 on a fresh pseudo-terminal (so a dup2 onto one returns
`= 1</dev/pts/N>`), under the same strace options the backend uses, written by `-o FILE`
(`PID  ` before every line) or, for `*.stderr.txt`, to strace's stderr (`[pid  N] `, and no
pid at all while one process is traced).
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from app.strace import build, spec  # noqa: E402

OPTIONS = ["strace", *spec.STRACE_OPTIONS]


def run(name: str, argv: list[str], to_stderr: bool = False, trace: str | None = None) -> None:
    master, slave = pty.openpty()
    spare = (slave,) if "TTY" in argv else ()  # the launcher's spare tty fd; no one else's
    argv = [str(slave) if a == "TTY" else a for a in argv]
    out = HERE / name
    where = [] if to_stderr else ["-o", str(out)]
    filters = ["-e", f"trace={trace}"] if trace else []
    with open(out, "w") if to_stderr else open(os.devnull, "w") as err:
        subprocess.run(
            [*OPTIONS, *where, *filters, "--", *argv],
            stdin=slave,
            stdout=slave,
            stderr=err if to_stderr else slave,
            pass_fds=spare,
            env={"PATH": spec.PATH, "LC_ALL": "C"},
            check=False,
        )
    os.close(slave)
    os.close(master)


def main() -> None:
    forms = HERE / "forms"
    subprocess.run(["gcc", "-O1", "-w", "-o", str(forms), str(HERE / "forms.c")], check=True)
    try:
        run("forms.txt", [str(forms)])
    finally:
        forms.unlink()
    run("hello_pipe.txt", [build.binary("hello_pipe")])
    launch = [build.binary("launch"), "TTY"]
    run("yes_head.txt", [*launch, "yes", "|", "head", "-n", "3"], trace=spec.TRACED)
    run("yes_head.stderr.txt", [*launch, "yes", "|", "head", "-n", "3"], True, spec.TRACED)


if __name__ == "__main__":
    main()
