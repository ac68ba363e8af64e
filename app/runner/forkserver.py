"""The fork server: a runner interpreter started once, before any request, that forks one
supervisor per run. Starting a run costs a fork of a warm process, not a new interpreter.

The server never forks; it talks to this process over a SEQPACKET socket: a start request
carries the run's own event socket (SCM_RIGHTS), and the reply names the supervisor's pid.
When the server goes away, every run goes with it.
"""

from __future__ import annotations

import os
import resource
import selectors
import shutil
import signal
import socket
import sys
import tempfile
from typing import Any, NoReturn

from app.kernel import procfs
from app.runner import channel, hygiene
from app.runner.serve import serve_run


class ForkServer:
    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.supervisors: dict[int, str] = {}
        self.spare: tuple[int, socket.socket] | None = None
        # Every run's scratch directory lives here, so none outlives this process.
        self.runs_dir = tempfile.mkdtemp(prefix="pipescope-runs-")

    def serve(self) -> None:
        hygiene.become_subreaper()
        rfd, wfd = os.pipe()
        os.set_blocking(wfd, False)
        signal.set_wakeup_fd(wfd)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self.shutdown())
        sel = selectors.DefaultSelector()
        sel.register(self.control, selectors.EVENT_READ, "control")
        sel.register(rfd, selectors.EVENT_READ, "signal")
        channel.send(self.control, {"k": "ready", "pid": os.getpid()})
        self.spare = self.fork_spare((rfd, wfd))
        while True:
            for key, _ in sel.select(1.0):
                if key.data == "signal":
                    os.read(rfd, 512)
                    continue
                msg, fds = channel.recv(self.control)
                if msg is None:
                    self.shutdown()
                else:
                    self.handle(msg, fds, (rfd, wfd))
            self.reap_and_sweep()

    def handle(self, msg: dict[str, Any], fds: list[int], keep: tuple[int, int]) -> None:
        if msg["k"] == "start" and fds:
            request = {**msg["request"], "runs_dir": self.runs_dir}
            pid, handoff = self.spare or self.fork_spare(keep)
            self.spare = None
            channel.send(handoff, {"request": request}, (fds[0],))
            handoff.close()
            for fd in fds:
                os.close(fd)
            self.supervisors[pid] = request["run"]
            channel.send(self.control, {"k": "started", "run": request["run"], "pid": pid})
            self.spare = self.fork_spare(keep)  # after the reply: off the next start's path
        elif msg["k"] == "kill":
            for pid, run in list(self.supervisors.items()):
                if run == msg["run"]:
                    self.kill_run(pid)

    def fork_spare(self, keep: tuple[int, int]) -> tuple[int, socket.socket]:
        """A supervisor forked ahead of its run, waiting to be handed one: starting a run
        then costs a message, not a fork, on the way to its first event."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid != 0:
            theirs.close()
            return pid, mine
        mine.close()
        for fd in (*keep, self.control.fileno()):
            os.close(fd)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        hygiene.die_with_parent()  # until it has a run, a spare dies with the fork server
        msg, fds = channel.recv(theirs)
        theirs.close()
        if msg is None or not fds:
            os._exit(0)
        code = 0
        try:
            out = socket.socket(fileno=fds[0])
            if msg["request"].get("backend") == "strace":
                from app.strace.supervisor import serve_trace  # only traced runs pay

                serve_trace(out, msg["request"])
            else:
                serve_run(out, msg["request"])
        except BaseException:  # a supervisor must never fall back into the fork server's loop
            code = 70
        os._exit(code)

    def kill_run(self, pid: int) -> None:
        for child in procfs.descendants(pid):
            hygiene.kill(child)
        hygiene.kill(pid)

    def reap_and_sweep(self) -> None:
        """Reap finished supervisors; anything else re-parented here escaped a dead
        supervisor, and is killed with all it started."""
        hygiene.reap_all()
        for pid in procfs.children(os.getpid()):
            st = procfs.stat(pid)
            if st is not None and st.state == "Z":
                continue
            if pid not in self.supervisors and (self.spare is None or pid != self.spare[0]):
                hygiene.kill_tree(pid)
                hygiene.kill(pid)
        for pid, run in list(self.supervisors.items()):
            if procfs.stat(pid) is None:
                del self.supervisors[pid]
                # A supervisor killed outright could not remove its directory.
                shutil.rmtree(os.path.join(self.runs_dir, f"pipescope-run-{run}"), True)
        hygiene.reap_all()

    def shutdown(self) -> NoReturn:
        hygiene.kill_tree(os.getpid())
        shutil.rmtree(self.runs_dir, ignore_errors=True)
        os._exit(0)


def main() -> None:
    fd = int(sys.argv[1])
    # Keep only stdio and the control socket: a parent on uvloop passes on every inheritable
    # fd it has (libuv ignores close_fds), and each supervisor would hold them all.
    os.closerange(3, fd)
    os.closerange(fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    control = socket.socket(fileno=fd)
    hygiene.die_with_parent()
    ForkServer(control).serve()


if __name__ == "__main__":
    main()
