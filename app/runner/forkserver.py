"""The fork server: a runner interpreter started once, before any request, that forks one
supervisor per run. Starting a run costs a fork of a warm process, not a new interpreter.

The server never forks; it talks to this process over a SEQPACKET socket: a start request
names the run and carries its own event socket (SCM_RIGHTS), and the reply names the
supervisor's pid. The run's request itself (its program, of any size) goes over that event
socket, length-prefixed, straight to the supervisor: nothing a client sends passes through
this process, so no request can overflow a packet here and end everyone's runs.
When the server goes away, every run goes with it.

Each run gets a uid of its own (sandbox.py, uids.py), taken when its supervisor is forked
and given back once that supervisor and everything it started are gone.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import asdict, replace
from typing import Any, NoReturn

from app.kernel import procfs
from app.runner import caps, channel, hygiene, sandbox, signal_helper
from app.runner.cell import Cell
from app.runner.serve import contain, run_dir, serve_run
from app.runner.uids import UidPool
from app.workdir import RUN_FILES

DEFAULT_UID_BASE = 2_000_000_000  # far from any uid a person or package gets


class ForkServer:
    def __init__(self, control: socket.socket, config: dict[str, Any]) -> None:
        self.control = control
        self.supervisors: dict[int, str] = {}
        self.uids: dict[int, int] = {}  # supervisor pid -> the uid its run has
        self.spare: tuple[int, socket.socket] | None = None
        self.boundary = sandbox.probe()
        signal_helper.load()  # every run's processes inherit it mapped: C signal handlers
        if config.get("namespaces") is False:  # as in a container, which refuses them
            self.boundary = replace(self.boundary, namespaces=False)
        if config.get("ptrace") is False:  # nor does a container's root have CAP_SYS_PTRACE
            caps.drop(caps.CAP_SYS_PTRACE)
        self.uid_pool = UidPool(int(config.get("run_uid_base", DEFAULT_UID_BASE)))
        # Every run's scratch directory lives here, so none outlives this process. A run's
        # own uid may pass through (to its own directory) but not list it.
        self.runs_dir = tempfile.mkdtemp(prefix="pipescope-runs-")
        os.chmod(self.runs_dir, 0o711)

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
        hello = {"k": "ready", "pid": os.getpid(), "sandbox": self.boundary.layers()}
        channel.send(self.control, hello)
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
            run = str(msg["run"])
            pid, handoff = self.spare or self.fork_spare(keep)
            self.spare = None
            channel.send(handoff, {"run": run}, (fds[0],))
            handoff.close()
            for fd in fds:
                os.close(fd)
            self.supervisors[pid] = run
            channel.send(self.control, {"k": "started", "run": run, "pid": pid})
            self.spare = self.fork_spare(keep)  # after the reply: off the next start's path
        elif msg["k"] == "kill":
            for pid, run in list(self.supervisors.items()):
                if run == msg["run"]:
                    self.kill_run(pid)

    def fork_spare(self, keep: tuple[int, int]) -> tuple[int, socket.socket]:
        """A supervisor forked ahead of its run, waiting to be handed one: starting a run
        then costs a message, not a fork, on the way to its first event."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        uid = self.uid_pool.take() if self.boundary.uids else None
        pid = os.fork()
        if pid != 0:
            theirs.close()
            if uid is not None:
                self.uids[pid] = uid
            return pid, mine
        mine.close()
        for fd in (*keep, self.control.fileno()):
            os.close(fd)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        hygiene.die_with_parent()  # until it has a run, a spare dies with the fork server
        contain()
        code = 0
        try:
            # The run's first process, inside the boundary before the run is even asked for.
            policy = sandbox.Policy(self.boundary, run_dir(self.runs_dir), uid, files=RUN_FILES)
            cell = Cell(policy)
            msg, fds = channel.recv(theirs)
            theirs.close()
            if msg is None or not fds:
                os._exit(0)
            out = socket.socket(fileno=fds[0])
            request = channel.recv_request(out)
            if request is None or request.get("run") != msg["run"]:
                os._exit(0)  # the server gave up on this run before it was handed over
            boundary = {"boundary": asdict(self.boundary), "uid": uid}
            request |= {"runs_dir": self.runs_dir, **boundary}
            if request.get("backend") == "strace" and "c_source" in request.get("trace", {}):
                from app.paste.supervisor import serve_pasted  # a student's own program

                serve_pasted(out, request, cell)
            elif request.get("backend") == "strace":
                from app.strace.supervisor import serve_trace  # only traced runs pay

                serve_trace(out, request, cell)
            else:
                serve_run(out, request, cell=cell)
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
        for pid in list(self.supervisors):
            if procfs.stat(pid) is None:
                del self.supervisors[pid]
                # A supervisor killed outright could not remove its directory.
                shutil.rmtree(os.path.join(self.runs_dir, f"run-{pid}"), True)
        hygiene.reap_all()
        self.free_gone_uids()

    def free_gone_uids(self) -> None:
        """A uid goes back to the pool once its supervisor is gone and nothing it started
        is left (the sweep above killed any that escaped): the next run starts clean."""
        spare = self.spare[0] if self.spare else None
        for pid in [p for p in self.uids if p not in self.supervisors and p != spare]:
            if procfs.stat(pid) is None:
                self.uid_pool.give_back(self.uids.pop(pid))

    def shutdown(self) -> NoReturn:
        hygiene.kill_tree(os.getpid())
        shutil.rmtree(self.runs_dir, ignore_errors=True)
        os._exit(0)


def main() -> None:
    fd = int(sys.argv[1])
    config: dict[str, Any] = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    # Keep only stdio and the control socket: a parent on uvloop passes on every inheritable
    # fd it has (libuv ignores close_fds), and each supervisor would hold them all.
    os.closerange(3, fd)
    os.closerange(fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    control = socket.socket(fileno=fd)
    hygiene.die_with_parent()
    ForkServer(control, config).serve()


if __name__ == "__main__":
    main()
