"""The note's seven file types: what kind of inode an fd's target is, from stat(2).

`ls -l` shows them as its first letter (`-` `d` `l` `c` `b` `p` `s`): regular file,
directory, symbolic link, character device, block device, FIFO (a pipe, named or not) and
socket. An anonymous inode (`anon_inode:[eventfd]`) has no type bits: null.

- **What it reads.** stat of `/proc/PID/fd/N`, which follows the fd to its inode (the magic
  link needs no path lookup, so it works across the run's mount namespace and after an
  unlink); `st_mode`'s type bits, and `st_ino` (a FIFO's identity: see fifo.py).
- **Cost.** About 4.5 µs a stat here, as much as the readlink itself, so a target whose type
  can never change is stat'd once and remembered: one that names its inode (`pipe:[N]`,
  `socket:[N]`, `anon_inode:...`) or a device under `/dev`, which a run cannot make. Paths
  in the run's directory (regular files, FIFOs) are stat'd at every read: a name may be
  unlinked and made again as another type, and a FIFO's inode is its row's id.
  `bench/bench_fifo.py` measures it.
- **What it cannot see.** A stat the kernel refuses (an fd closed meanwhile, a process whose
  /proc may no longer be read) gives `(None, None)`: no type is guessed from the name.
"""

from __future__ import annotations

import os
import stat

TYPES = {
    stat.S_IFREG: "regular",
    stat.S_IFDIR: "directory",
    stat.S_IFLNK: "symlink",
    stat.S_IFCHR: "char",
    stat.S_IFBLK: "block",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
}
# Targets whose inode, and so its type, stays what it was: remembered (bounded).
_LASTING = ("pipe:", "socket:", "anon_inode:", "/dev/")
_MAX_REMEMBERED = 4096
_remembered: dict[str, str | None] = {}


def of(pid: int, fd: int, target: str) -> tuple[str | None, int | None]:
    """(type, inode) of pid's fd, whose /proc link reads `target`; the inode is None when
    the type came from memory (only a FIFO in the run's directory needs it)."""
    if target in _remembered:
        return _remembered[target], None
    try:
        info = os.stat(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None, None
    kind = TYPES.get(stat.S_IFMT(info.st_mode))
    if target.startswith(_LASTING):
        if len(_remembered) >= _MAX_REMEMBERED:
            _remembered.clear()
        _remembered[target] = kind
    return kind, info.st_ino
