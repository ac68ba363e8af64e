"""FIFOs: a pipe with a name in the file system, read from the kernel as a pipe is.

A FIFO's fds link to its path (`/tmp/myfifo`, then `/tmp/myfifo (deleted)` once unlinked),
not to `pipe:[INODE]`, so the link alone does not say what it is: stat does (`S_ISFIFO`,
file_types.py). Behind the name the kernel keeps the same `struct pipe_inode_info` as for
an anonymous pipe, so the rest is read as for a pipe: bytes from FIONREAD and capacity from
F_GETPIPE_SZ through pidfd_getfd (pipes.py), readers and writers from the open files (kcmp),
and the ring model (ring.py) follows its reads and writes as it does a pipe's.

- **Identity.** A FIFO's row in `state.pipes` is `fifo:[INODE]`, its inode from the stat: a
  path can be unlinked and made again as another FIFO, and an unlinked one lives on, nameless,
  while an fd holds it. Its `path` is the link as read, `(deleted)` and all.
- **Blocking.** `open` of one end sleeps until the other end opens (wchan `wait_for_partner`,
  in `fifo_open`), and the fd is not in the table until it returns: what it waits on is the
  path it opens, from its own arguments. `O_RDWR` never waits; `O_WRONLY|O_NONBLOCK` with no
  reader fails with ENXIO instead.
- **Cost.** Nothing beyond the stat the fd's type needs (file_types.py) and a pipe's reads.
"""

from __future__ import annotations

from typing import Any


def fifo_id(inode: int) -> str:
    """The FIFO's id in `state.pipes`, made as an anonymous pipe's `pipe:[INODE]` is."""
    return f"fifo:[{inode}]"


ANONYMOUS: dict[str, Any] = {"kind": "pipe", "path": None}  # a pipe's row: no name


def pipe_fields(row: dict[str, Any]) -> dict[str, Any]:
    """What a pipe row says about its kind, from one fd row on it: an anonymous pipe has no
    path; a FIFO's is what its fds link to."""
    if row["kind"] == "fifo":
        return {"kind": "fifo", "path": row["target"]}
    return dict(ANONYMOUS)


def waits_on(call: str, args: dict[str, Any], fd_row: dict[str, Any] | None) -> str | None:
    """The path a blocked call waits on: an `open` its own argument, as the call names it
    (there is no fd yet), a read or write on a FIFO the FIFO's path; else None."""
    if call == "open":
        path = args.get("path")
        return str(path) if path is not None else None
    if fd_row is not None and fd_row["kind"] == "fifo":
        return str(fd_row["target"])
    return None
