"""An exec'd program, told call by call: strace attached at its execve, held still per line.

Our own processes report each call over their channel, which is close-on-exec: after
execve the program says nothing. So right before execve the process asks its supervisor to
hand it over (proc.py's op_exec), and the supervisor attaches `strace -p PID` to it while it
waits. strace prints `Process N attached` only once it has seized and interrupted the
process: from then on it stops at every system call, and the execve is its first line.

strace runs outside the run's boundary (a tracer cannot be inside another Landlock domain
than its tracee's) but not as root: as the run's own uid, with no_new_privs and the run's
seccomp filter (ptrace let through), so a program that subverted it would hold no more than
the run's uid. Same uid and no Yama here, so it may trace the run even where the runner
lacks CAP_SYS_PTRACE (a container).

Its log is the strace backend's (tracelog.py): each write strace makes waits in the kernel
until we read it, with the program stopped at the call the write tells. We turn each into
the runner's own messages (`ready` at a shown call's entry, `ret` at its return) on an
ExecChannel, so the supervisor lets each call go and reads the state after it exactly as it
does for its own processes. Calls that are neither on a pipe nor on fds 0-2 nor part of a
process's life (the loader opening libc) are let through at once, unreported.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from typing import Any

from app.kernel import procfs
from app.runner import sandbox, syscall_filter
from app.strace import spec
from app.strace.lines import parse
from app.strace.tracelog import LOG_FD, TraceLog
from app.strace.track import Step, Tracker

ATTACH_WAIT_S = 2.0
SPIN_S = 0.002  # how long to follow a program through calls it does not show, at a time
# spec.TRACED has what moves bytes through a pipe without read or write; and pread/pwrite.
TRACED = spec.TRACED + ",?pread64,?pwrite64"
OPTIONS = ("-f", "-ttt", "-T", "-y", "-x", "-s", "64", "-e", f"trace={TRACED}")
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


class AttachFailed(Exception):
    pass


class ExecTrace:
    """strace on one process of the run, from its execve to its end."""

    def __init__(self, pid: int, role: str, policy: sandbox.Policy) -> None:
        self.pid = pid
        self.log = TraceLog()
        self.tracker = Tracker(role)
        self.tracker.set_root(pid)
        self.partial = ""  # the line strace is in the middle of writing
        self.phase = "exec"  # exec -> exec'd (its return held) -> running -> ended
        self.held = False  # a line is held for the supervisor: a shown call waits for go
        self.owed: dict[str, Any] | None = None  # a return to tell once its call is let go
        self.epipe: dict[str, Any] | None = None  # a write's EPIPE, told unless SIGPIPE kills
        self.outbox: list[dict[str, Any] | None] = []  # messages for the supervisor
        self.said = ""  # what strace said about itself (`strace: ...`)
        self.strace = start_strace(pid, self.log, policy)
        self.log.started(self.strace)
        self.await_attached()

    # -- attaching ---------------------------------------------------------------------------
    def await_attached(self) -> None:
        end = time.monotonic() + ATTACH_WAIT_S
        while "attached" not in self.said:
            state = self.log.state()
            if state == "gone" or time.monotonic() > end:
                self.stop()
                raise AttachFailed(self.said.strip() or "strace did not attach in time")
            if state == "pending":
                self.take()
            else:
                os.sched_yield()

    # -- strace's lines ------------------------------------------------------------------------
    def pump(self, wait: float = SPIN_S) -> bool:
        """Take what strace writes until there is something to tell or a line must wait
        for the supervisor, the program sleeps unseen, or `wait` is over (strace is back
        within microseconds from a call it does not show). False once strace has ended."""
        end = time.monotonic() + wait
        while True:
            state = self.log.state() if self.strace else "gone"
            if state == "gone":  # strace ended (or was killed: its tracee then runs free)
                self.finish()
                return False
            if self.held or self.outbox:
                break
            if state == "pending":
                self.take()
            elif self.quiet(state) or time.monotonic() >= end:
                break
            else:
                os.sched_yield()
        return True

    def quiet(self, state: str) -> bool:
        """strace waits, and the program sleeps in a call strace does not show."""
        st = procfs.stat(self.pid)
        return state == "idle" and (st is None or st.state in ("S", "D", "Z"))

    def take(self) -> None:
        """One write of strace's: read it, turn it into messages, and release it unless it
        is a shown call that must wait to be let go."""
        data = self.log.pending()
        if data is None:
            self.log.release()
            return
        text = self.partial + data.decode("utf-8", "replace")
        *whole, rest = text.split("\n")
        steps: list[Step] = []
        for line in whole:
            if line.startswith("strace: "):
                self.said += line + "\n"
            if line.startswith("[pid ") and " +++ " in line and not self.mine(line):
                continue  # a thread (sort's) ended: not the process
            steps += self.tracker.feed(line)
        if rest and (whole or not self.partial):  # a line begins: its call is going in
            steps += self.tracker.entry(rest)
        self.partial = rest
        for step in steps:
            self.tell(step)
        if not self.held:
            self.log.release()

    def mine(self, line: str) -> bool:
        return parse(line).pid in (None, self.pid)

    def tell(self, step: Step) -> None:
        kind = step["type"]
        if step["pid"] != self.pid or step.get("tid", self.pid) != self.pid:
            return  # a thread's call, or a child's: this program's process alone is shown
        if kind.startswith("thread."):
            return
        if self.phase != "running":
            if self.phase == "exec" and kind == "call.return" and step["call"] == "execve":
                # The new program is loaded and has run nothing yet: hold it here while
                # the supervisor tells the execve's return, with its fds as they are.
                self.phase, self.held = ("exec'd", True) if step["ret"] == 0 else ("failed", False)
            return  # the execve itself was told by the process before it was handed over
        if self.epipe is not None and kind != "signal":
            # Killed by the SIGPIPE on its way back, its death tells the write's return, as
            # for one of ours; ignored or handled, the return is told now.
            if not (kind == "proc.exit" and step["status"] == "killed"):
                self.outbox.append(self.epipe)
            self.epipe = None
        if kind == "call.enter":
            if step["call"] == "read" and "count" not in step["args"]:
                step["args"]["count"] = self.entry_count()  # printed only at its return
            self.outbox.append({"k": "ready", **called(step)})
            self.held = True
        elif kind == "call.return":
            ret = ret_message(step)
            if self.held:  # shown only at its return: its entry is out, its return waits
                self.owed = ret
            elif step["errno"] == "EPIPE":
                self.epipe = ret
            else:
                self.outbox.append(ret)
        elif kind == "proc.exit":
            self.phase = "ended"
            self.outbox.append(None)  # the channel closes, as when one of ours dies

    def entry_count(self) -> int | None:
        """The third argument of the call the program is stopped at the entry of, as the
        kernel holds it (/proc/PID/syscall: number, then the arguments in hex)."""
        fields = (procfs.read_text(f"/proc/{self.pid}/syscall") or "").split()
        try:
            return int(fields[3], 16)
        except (IndexError, ValueError):
            return None

    # -- asked by the supervisor -----------------------------------------------------------------
    def await_exec(self) -> bool:
        """Let the execve through; True once the new program is held at its start."""
        end = time.monotonic() + ATTACH_WAIT_S
        while self.phase == "exec" and time.monotonic() < end:
            if not self.pump(0.001):
                break
        return self.phase == "exec'd"

    def report(self) -> None:
        """From now on the program's calls are reported: let it start."""
        self.phase, self.held = "running", False
        if self.strace:
            self.log.release()

    def go(self) -> None:
        """The supervisor lets the held call go."""
        if not self.held or not self.strace:
            return
        self.held = False
        if self.owed is not None:
            self.outbox.append(self.owed)
            self.owed = None
        self.log.release()

    def stop(self) -> None:
        """Detach (strace's death lets its tracee go on untraced) and clean up."""
        if self.strace and procfs.stat(self.strace) is not None:
            os.kill(self.strace, signal.SIGKILL)
        self.finish()

    def finish(self) -> None:
        if self.strace:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.strace, 0)
            self.strace = 0
            self.log.close()
        self.held = False
        if self.phase not in ("ended", "failed"):
            self.phase = "lost"


def called(step: Step) -> dict[str, Any]:
    return {"call": step["call"], "args": step["args"], "line": step["line"]}


def ret_message(step: Step) -> dict[str, Any]:
    """A return in the runner's words, as our own processes send it."""
    return {
        "k": "ret",
        "ret": step["ret"],
        "errno": step["errno"],
        "dur": step["duration"] or 0.0,
        "data": step["data"],
        "cut": step["data_truncated"],
        "runs": step["data_runs"],
        "args": step["args"],
    }


def start_strace(pid: int, log: TraceLog, policy: sandbox.Policy) -> int:
    """`strace -p PID`, its stderr the held log, as the run's uid, in the run's namespaces
    but outside its Landlock domain (a tracer in another domain may not trace)."""
    argv = ["strace", *OPTIONS, "-p", str(pid)]  # so that it says `strace: ...`
    child = os.fork()
    if child == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(log.w, LOG_FD)  # inherited, not reopened: O_DIRECT is the file's
            os.closerange(3, 65536)
            sandbox.join_namespaces(pid, policy)  # its files and network are the run's
            uid = policy.uid
            if uid is not None and policy.boundary.uids:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            # Dies with the supervisor (set after the uid change, which clears it).
            _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            _libc.prctl(sandbox.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            if policy.boundary.seccomp:
                syscall_filter.load(allow_ptrace=True)
            os.execve(spec.STRACE, argv, {"PATH": sandbox.PATH, "LC_ALL": "C"})
        finally:
            os._exit(127)
    return child
