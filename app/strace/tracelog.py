"""strace's log, taken one write at a time while strace waits: the world stands still.

strace cannot pause a program, but it stops every traced process at every system call it
reports, and it does so from one thread. So while strace itself waits, no traced process gets
through a reported call. We make strace wait on each write of its log:

- The log is a pipe in packet mode (O_DIRECT) with room for one packet: every write strace
  makes is one packet, and the pipe always holds one (a filler byte at first, then the write
  before), so each new write blocks in the kernel, in `pipe_write`.
- While it blocks, /proc/STRACE/syscall gives the write's buffer and length, and
  /proc/STRACE/mem its bytes: we read the write before it lands, with every process stopped
  where strace is reporting it. The state read then is the state that write describes.
- Reading the packet in the pipe lets that write in, and strace goes on to the next.

strace writes its log unbuffered: a call's first part (`read(3<pipe:[7]>, `) as the call goes
in, the rest as it returns. Each part is one write, so there is a still point before a call
and another after it. What does not stand still is the kernel: a call already asleep (a read
on an empty pipe) can finish while strace waits, when another process's call wakes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform

from app.kernel import pipes, procfs

# (write, writev) system call numbers, as /proc/PID/syscall names them.
WRITE_CALLS = {"x86_64": (1, 20), "aarch64": (64, 66)}
LOG_FD = 2  # strace writes its log to its stderr: a descriptor it inherits keeps O_DIRECT


class TraceLog:
    def __init__(self) -> None:
        self.r, self.w = os.pipe2(os.O_DIRECT | os.O_CLOEXEC)
        fcntl.fcntl(self.r, pipes.F_SETPIPE_SZ, 4096)  # one page slot: room for one packet
        os.write(self.w, b"\0")  # strace's first write already has to wait
        os.set_blocking(self.r, False)
        self.owed = 1  # bytes taken (or the filler) that are not yet read out of the pipe
        self.pid = 0
        self.mem = -1
        self.calls = WRITE_CALLS.get(platform.machine())
        if self.calls is None:
            raise OSError(f"tracing is not supported on {platform.machine()}")

    def started(self, pid: int) -> None:
        """strace runs, with our write end as its stderr; we keep only the read end."""
        self.pid = pid
        os.close(self.w)

    def state(self) -> str:
        """`pending` (strace waits to write, everything stopped), `idle` (strace waits for a
        traced process to reach a call), `busy` (strace is working), or `gone`."""
        st = procfs.stat(self.pid)
        if st is None or st.state in ("Z", "X"):
            return "gone"
        where = procfs.wchan(self.pid)
        if procfs.PIPE_WCHAN.search(where):
            return "pending"
        if where == "do_wait":
            return "idle"
        return "busy"

    def pending(self) -> bytes | None:
        """The bytes strace waits to write; None when they are the rest of a write already
        taken (a write longer than a page goes in one page at a time)."""
        if self.owed > pipes.fionread(self.r):
            return None
        fields = (procfs.read_text(f"/proc/{self.pid}/syscall") or "").split()
        if len(fields) < 4 or not fields[0].isdigit() or int(fields[1], 16) != LOG_FD:
            return None
        nr, addr, count = int(fields[0]), int(fields[2], 16), int(fields[3], 16)
        assert self.calls is not None
        if nr == self.calls[0]:
            data = self.peek(addr, count)
        elif nr == self.calls[1]:
            data = b"".join(self.peek(*iov) for iov in self.iovecs(addr, count))
        else:
            return None
        self.owed += len(data)
        return data

    def peek(self, addr: int, count: int) -> bytes:
        if self.mem < 0:  # opened late: /proc/PID/mem is the memory of the program it saw
            self.mem = os.open(f"/proc/{self.pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
        return os.pread(self.mem, count, addr)

    def iovecs(self, addr: int, count: int) -> list[tuple[int, int]]:
        raw = self.peek(addr, 16 * count)
        return [
            (
                int.from_bytes(raw[i : i + 8], "little"),
                int.from_bytes(raw[i + 8 : i + 16], "little"),
            )
            for i in range(0, len(raw), 16)
        ]

    def release(self) -> None:
        """Let the waiting write in: read out the packet that held its place."""
        with contextlib.suppress(BlockingIOError):
            self.owed -= len(os.read(self.r, 65536))

    def close(self) -> None:
        for fd in (self.r, self.mem):
            if fd >= 0:
                os.close(fd)
        self.r = self.mem = -1
