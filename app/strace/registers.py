"""What the kernel says of a traced thread while strace holds it at a call's entry.

- `tgid_of`: a tid's process, from /proc/TID/status (`Tgid:`): a thread strace names
  before its clone returned is placed in its process, not taken for a new one.
- `inputs`: the inputs of a call strace prints only with its return (pipe2's flags come
  after its output array), from /proc/TID/syscall: the thread is stopped at the entry, so
  its registers are the call's arguments. Named as strace names them, so call.enter and
  call.return say the same.

Both cost one small /proc read (a few µs); neither can see a thread already gone (None, {}).
"""

from __future__ import annotations

from typing import Any

from app.kernel import procfs

# pipe2's flags in the order strace prints them (O_NONBLOCK|O_CLOEXEC).
PIPE2_FLAGS = (("O_NONBLOCK", 0o4000), ("O_DIRECT", 0o40000), ("O_CLOEXEC", 0o2000000))


def tgid_of(tid: int) -> int | None:
    for line in (procfs.read_text(f"/proc/{tid}/status") or "").splitlines():
        if line.startswith("Tgid:"):
            return int(line.split()[1])
    return None


def inputs(tid: int, name: str) -> dict[str, Any]:
    fields = (procfs.read_text(f"/proc/{tid}/syscall") or "").split()
    if name != "pipe2" or len(fields) < 3 or not fields[0].isdigit():
        return {}
    return {"flags": pipe2_flags(int(fields[2], 16))}


def pipe2_flags(value: int) -> int | str:
    names = [n for n, bit in PIPE2_FLAGS if value & bit]
    rest = value & ~sum(bit for _, bit in PIPE2_FLAGS)
    if rest:
        names.append(oct(rest))
    return "|".join(names) if names else 0
