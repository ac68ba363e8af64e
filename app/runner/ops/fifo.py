"""FIFOs: named pipes in the file system (mkfifo, open, unlink).

Paths are names in the run's directory, its cwd (the step models refuse anything else).
`open` goes through libc's open(3), not os.open: Python's adds O_CLOEXEC to every fd it
opens, and a student's `open(path, O_RDONLY)` must give the fd C gives, inherited by exec.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

from app.runner.ops.base import OpsBase, Result

FLAG_BITS = {
    "O_RDONLY": os.O_RDONLY,
    "O_WRONLY": os.O_WRONLY,
    "O_RDWR": os.O_RDWR,
    "O_NONBLOCK": os.O_NONBLOCK,
    "O_CLOEXEC": os.O_CLOEXEC,
    "O_CREAT": os.O_CREAT,
    "O_EXCL": os.O_EXCL,
    "O_TRUNC": os.O_TRUNC,
    "O_APPEND": os.O_APPEND,
}
_libc = ctypes.CDLL(None, use_errno=True)
_libc.open.argtypes = (ctypes.c_char_p, ctypes.c_int, ctypes.c_uint)


def open_flags(flags: str) -> int:
    bits = 0
    for name in flags.split("|"):
        bits |= FLAG_BITS[name]
    return bits


class FifoOps(OpsBase):
    def op_mkfifo(self, step: dict[str, Any], line: int | None) -> None:
        path, mode = step["path"], step.get("mode", "0644")

        def mkfifo() -> Result:
            os.mkfifo(path, int(mode, 8))
            return 0, {}

        self.call("mkfifo", {"path": path, "mode": mode}, line, mkfifo)

    def op_open(self, step: dict[str, Any], line: int | None) -> None:
        path, flags = step["path"], step.get("flags", "O_RDONLY")
        bits = open_flags(flags)
        mode = step.get("mode", "0644")

        def open_() -> Result:
            # An open of a FIFO sleeps here until the other end opens (wait_for_partner).
            fd = int(_libc.open(path.encode(), bits, int(mode, 8)))
            self.names[step["name"]] = fd  # -1 on failure, as C's `fd = open(...)`
            if fd < 0:
                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err))
            return fd, {}

        args = {"path": path, "flags": flags} | ({"mode": mode} if bits & os.O_CREAT else {})
        self.call("open", args, line, open_)

    def op_unlink(self, step: dict[str, Any], line: int | None) -> None:
        path = step["path"]

        def unlink() -> Result:
            os.unlink(path)
            return 0, {}

        self.call("unlink", {"path": path}, line, unlink)
