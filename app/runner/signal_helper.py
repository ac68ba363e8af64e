"""The C side of a run's signals: a handler and a sigaction wrapper, compiled once with gcc.

A handler must be C for signals to behave as in C (docs/events.md, "State: signals"): a
Python handler runs later, coalesces real-time signals and hides EINTR. The shared object
is compiled (cached by the hash of its source) and loaded by the fork server, before any run
exists and outside every sandbox: each run's processes are forks of it and have the library
mapped already, so nothing needs to be visible inside the run's root.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from app.strace.build import cache_dirs

SOURCE = Path(__file__).resolve().parent / "csrc" / "handler.c"
CFLAGS = ("-O1", "-w", "-shared", "-fPIC")
HANDLER_FD = 1020  # the handler channel: with the runner's own fds, above what a table shows
KINDS = {"SIG_DFL": 0, "SIG_IGN": 1, "handler": 2}

lib: ctypes.CDLL | None = None
why_not = "the signal helper was not loaded"


def load() -> None:
    """Compile (first time only) and load the helper; on failure, steps that need a handler
    fail with ENOSYS and `why_not` says why."""
    global lib, why_not
    try:
        path = compiled()
        loaded = ctypes.CDLL(str(path), use_errno=True)
    except (OSError, subprocess.SubprocessError) as err:
        why_not = f"cannot build the C signal handler: {err}"
        return
    loaded.pipescope_sigaction.argtypes = (
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_ulong,
    )
    loaded.pipescope_sigaction.restype = ctypes.c_int
    ctypes.c_int.in_dll(loaded, "pipescope_fd").value = HANDLER_FD
    lib = loaded


def reset() -> None:
    """Be a C program's start: every signal SIG_DFL, none blocked (see handler.c)."""
    if lib is not None:
        lib.pipescope_reset()


def compiled() -> Path:
    text = SOURCE.read_bytes()
    digest = hashlib.sha256(text + "\0".join(CFLAGS).encode()).hexdigest()[:12]
    failure: Exception = OSError("no cache directory is writable")
    for folder in cache_dirs():
        path = folder / digest / "pipescope-signals.so"
        if path.exists():
            return path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".signals-", dir=path.parent)
            os.close(fd)
            try:
                cmd = ["gcc", *CFLAGS, "-o", tmp, str(SOURCE)]
                done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
                if done.returncode != 0:
                    raise OSError(done.stderr.decode(errors="replace")[-500:])
                os.chmod(tmp, 0o755)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return path
        except OSError as err:
            failure = err
    raise failure
