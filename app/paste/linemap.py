"""Which line of the student's source a traced call was made from: the caller's return address.

strace `-k` would print a stack, but only once a call has returned: a call asleep in `read`
would have no line while it sleeps, which is the moment a student most wants to see. So the
supervisor reads it itself, while strace holds the process still (or while the call sleeps):
`/proc/PID/syscall` gives the stack pointer, `/proc/PID/mem` the stack above it, and the
first word on it that is a return address into the student's program (it points just past a
`call` instruction of the program's own text) is where the student's code called into libc.
The program's line table (objdump's decoded .debug_line, made inside the compile's sandbox)
turns that address into a line. An address of libc's own never matches: only the program's
mapping counts, found in /proc/PID/maps by the program's inode. Measured in BENCHMARKS.md.
"""

from __future__ import annotations

import bisect
import os
import struct
from dataclasses import dataclass, field

STACK_BYTES = 16384  # how far up the stack to look: libc's deepest paths (printf) fit
CALL_REL32 = 0xE8


@dataclass
class Mapped:
    start: int  # where the program's text is mapped
    end: int
    base: int  # the load address: mapped address - base = the address objdump gives


@dataclass
class LineMap:
    inode: int
    table: list[list[int]]  # [address, line], sorted
    text: bytes  # the program's bytes, to check that a candidate follows a call
    maps: dict[int, Mapped | None] = field(default_factory=dict)  # per pid
    addrs: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.addrs = [a for a, _ in self.table]

    def forget(self, pid: int) -> None:
        """pid exec'd or exited: its mappings are another program's now."""
        self.maps.pop(pid, None)

    def line_of(self, address: int) -> int | None:
        i = bisect.bisect_right(self.addrs, address) - 1
        return self.table[i][1] if i >= 0 else None

    def line(self, pid: int) -> int | None:
        """The student's line that pid's current system call came from, if it can be told."""
        mapped = self.maps.get(pid) if pid in self.maps else self._mapping(pid)
        self.maps[pid] = mapped
        if mapped is None:
            return None
        sp = _stack_pointer(pid)
        if sp is None:
            return None
        try:
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
                mem.seek(sp)
                stack = mem.read(STACK_BYTES)
        except (OSError, ValueError, OverflowError):
            return None
        for (word,) in struct.iter_unpack("<Q", stack[: len(stack) // 8 * 8]):
            if mapped.start <= word < mapped.end:
                at = word - mapped.base
                if self._after_call(at):
                    return self.line_of(at - 1)
        return None

    def _after_call(self, at: int) -> bool:
        """A return address: a `call rel32` (5 bytes) or an indirect call ends just before."""
        if 5 <= at <= len(self.text) and self.text[at - 5] == CALL_REL32:
            return True
        return any(
            at - n >= 0 and self.text[at - n] == 0xFF and (self.text[at - n + 1] >> 3) & 7 == 2
            for n in (2, 3, 6)
        )

    def _mapping(self, pid: int) -> Mapped | None:
        try:
            with open(f"/proc/{pid}/maps") as f:
                rows = [line.split() for line in f]
        except OSError:
            return None
        ours = [r for r in rows if len(r) >= 6 and r[4].isdigit() and int(r[4]) == self.inode]
        if not ours:
            return None
        base = min(int(r[0].split("-")[0], 16) - int(r[2], 16) for r in ours)
        for r in ours:
            if "x" in r[1]:
                lo, hi = (int(x, 16) for x in r[0].split("-"))
                return Mapped(lo, hi, base)
        return None


def load(program: str, table: list[list[int]]) -> LineMap:
    """The line map of one compiled program (PIE: objdump's addresses are file offsets)."""
    with open(program, "rb") as f:
        text = f.read()
    return LineMap(os.stat(program).st_ino, table, text)


def _stack_pointer(pid: int) -> int | None:
    """/proc/PID/syscall: `nr a1..a6 sp pc` while in a call; `running` otherwise."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            parts = f.read().split()
    except OSError:
        return None
    if len(parts) < 9:
        return None
    return int(parts[7], 16)
