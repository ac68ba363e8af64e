"""Attacks from a shell inside a run: every one fails, and nothing outside changes.

Each runs in both modes of the boundary (`host`: namespaces, a uid of the run's own, Landlock,
seccomp; `container`: the same without namespaces, as Docker's default profile allows).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from boundary import SECRET, ForkServer, printed, shell, start_shell

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's uid needs root")


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A directory anyone may read and write, holding a secret anyone may read: only the
    boundary keeps a run from them."""
    os.chmod(tmp_path, 0o777)
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    os.chmod(tmp_path / "secret.txt", 0o666)
    yield tmp_path


def test_the_run_has_a_uid_of_its_own_and_no_privilege(fs: ForkServer) -> None:
    out, _ = shell(fs, "id -u; id -G; grep -E '^(NoNewPrivs|Seccomp|CapEff):' /proc/self/status")
    lines = out.split()
    uid = int(lines[0])
    assert uid not in (0, os.getuid()) and uid >= 1000
    assert "NoNewPrivs:\t1" in out
    assert "Seccomp:" in out and "Seccomp:\t0" not in out
    assert "CapEff:\t0000000000000000" in out


def test_files_outside_cannot_be_read_or_written(fs: ForkServer, outside: Path) -> None:
    script = (
        f"cat {outside}/secret.txt; cat /etc/shadow; ls /root /home; "
        f"cat {Path(__file__).resolve()} | head -n 1; "
        f"echo pwned > {outside}/new.txt; echo pwned >> {outside}/secret.txt; "
        "echo pwned > /usr/pwned; echo pwned > /etc/pwned; echo done"
    )
    out, _ = shell(fs, script)
    assert "done" in out  # the shell ran to its end
    assert SECRET not in out and "Attacks from a shell" not in out
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == SECRET + "\n"
    assert not os.path.exists("/usr/pwned") and not os.path.exists("/etc/pwned")


def test_the_servers_environment_is_not_the_runs(fs: ForkServer) -> None:
    script = "env; cat /proc/$PPID/environ; cat /proc/1/environ; cat /proc/*/environ; echo done"
    out, _ = shell(fs, script)
    assert "done" in out and SECRET not in out
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and " " not in line)
    assert set(env) <= {"PATH", "LANG", "HOME", "TMPDIR", "TERM", "PWD", "SHLVL", "_", "OLDPWD"}


def test_the_server_cannot_be_reached_over_loopback(fs: ForkServer) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(f"\0pipescope-test-{port}")
    abstract.listen()
    accepted: list[object] = []
    for sock in (listener, abstract):
        sock.settimeout(6)
        threading.Thread(target=lambda s=sock: accepted.append(_accept(s)), daemon=True).start()
    connect = (
        "import socket\n"
        f"for family, addr in ((socket.AF_INET, ('127.0.0.1', {port})), "
        f"(socket.AF_UNIX, '\\0pipescope-test-{port}')):\n"
        "    try:\n"
        "        socket.socket(family).connect(addr); print('connected')\n"
        "    except OSError as e: print('refused', e.errno)\n"
    )
    out, _ = shell(fs, f'/usr/bin/python3 -c "{connect}"; echo done')
    listener.close()
    abstract.close()
    assert "done" in out and "connected" not in out and out.count("refused") == 2
    assert [a for a in accepted if a is not None] == []


def _accept(sock: socket.socket) -> object:
    try:
        return sock.accept()
    except OSError:
        return None


def test_no_process_outside_the_run_can_be_signalled_or_traced(fs: ForkServer) -> None:
    bystander = subprocess.Popen(["sleep", "30"])  # a process of the server's own uid
    other = start_shell(fs, "sleep 20")  # and another run's
    other_pid = _wait_for_exec(other)
    try:
        targets = [bystander.pid, other_pid, os.getpid(), fs.proc.pid, other.supervisor]
        script = " ".join(f"kill -9 {pid};" for pid in targets)
        script += f" strace -p {bystander.pid} -o /dev/null; echo done"
        out, _ = shell(fs, script)
        assert "done" in out
        time.sleep(0.1)
        assert bystander.poll() is None and os.path.exists(f"/proc/{other_pid}")
        assert fs.proc.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
        other.close()


def _wait_for_exec(run: object) -> int:
    from support import Run

    assert isinstance(run, Run)
    event = run.until(lambda e: e["type"] == "call.return" and e["call"] == "execve")
    return int(event["pid"])


def test_a_run_cannot_fill_the_disk(fs: ForkServer) -> None:
    """A tmpfs of 16 MB on a host; in a container, the supervisor's watch on the directory."""
    before = os.statvfs("/tmp")
    script = (
        "i=0; while [ $i -lt 60 ]; do head -c 1000000 /dev/zero > f$i || break; "
        "i=$((i+1)); done; echo files $i"
    )
    out, events = shell(fs, script)
    end = events[-1]
    if end["reason"] == "exited":  # the tmpfs said ENOSPC
        assert "No space left" in out and int(out.split("files")[-1].split()[0]) <= 16
    else:
        assert end["reason"] == "limit" and "16 MB" in end["message"]
    after = os.statvfs("/tmp")
    assert (before.f_bfree - after.f_bfree) * after.f_frsize < 48 << 20


def test_forks_stop_at_the_runs_process_limit(fs: ForkServer) -> None:
    """Forty forks asked for, each child sleeping: the kernel refuses those past the cap
    (RLIMIT_NPROC, a real one since the run's uid is its alone)."""
    bomb = (
        "import os, time\n"
        "made = failed = 0\n"
        "for _ in range(40):\n"
        "    try:\n"
        "        if os.fork() == 0: time.sleep(3); os._exit(0)\n"
        "        made += 1\n"
        "    except OSError: failed += 1\n"
        "print('made', made, 'failed', failed, flush=True)\n"
        "time.sleep(1)\n"
    )
    run = start_shell(fs, f'/usr/bin/python3 -c "{bomb}"', max_procs=8)
    pid = _wait_for_exec(run)
    uid = os.stat(f"/proc/{pid}").st_uid
    run.until(lambda e: e["type"] == "output")  # the forks are done; their children sleep
    peak = sum(1 for p in os.listdir("/proc") if p.isdigit() and _owner(p) == uid)
    made = int(printed(run.finish()).split()[1])
    assert 0 < made <= 8 and made < 40  # the shell and python are of the run too
    assert peak == made + 2  # all of the run's processes, and no more than its cap


def _owner(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except FileNotFoundError:
        return None


def test_nothing_of_a_run_outlives_it(fs: ForkServer) -> None:
    run = start_shell(fs, "setsid sleep 60 & sleep 60 & (sleep 60 &) ; echo up; sleep 60", wall_s=1)
    pid = _wait_for_exec(run)
    uid = os.stat(f"/proc/{pid}").st_uid
    events = run.finish()
    assert events[-1]["reason"] == "timeout"
    end = time.monotonic() + 5
    while time.monotonic() < end and any(
        _owner(p) == uid for p in os.listdir("/proc") if p.isdigit()
    ):
        time.sleep(0.05)
    assert not any(_owner(p) == uid for p in os.listdir("/proc") if p.isdigit())


def test_inet_sockets_ptrace_and_namespaces_are_refused(fs: ForkServer) -> None:
    probe = (
        "import ctypes, os, socket\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "for fam in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET):\n"
        "    kind = socket.SOCK_RAW if fam == socket.AF_PACKET else socket.SOCK_DGRAM\n"
        "    try: socket.socket(fam, kind); print('socket', fam)\n"
        "    except OSError as e: print('nosocket', e.errno)\n"
        "print('unshare', libc.unshare(0x10000000), ctypes.get_errno())\n"
        "print('ptrace', libc.ptrace(16, os.getppid(), 0, 0), ctypes.get_errno())\n"
    )
    out, _ = shell(fs, f'/usr/bin/python3 -c "{probe}"')
    assert out.count("nosocket") == 4 and "socket " not in out.replace("nosocket", "")
    assert "unshare -1" in out and "ptrace -1" in out


def test_the_supervisor_still_reads_the_kernel_from_outside(fs: ForkServer) -> None:
    """fd tables from /proc in both modes; pipe bytes from pidfd_getfd only where the runner
    has CAP_SYS_PTRACE (a container's root lacks it: bytes are null, as the README says)."""
    events = fs.scenario("hello-pipe").finish()
    write = next(e for e in events if e["type"] == "call.return" and e["call"] == "write")
    parent = next(p for p in write["state"]["procs"] if p["pid"] == write["pid"])
    assert [row["fd"] for row in parent["fds"] if row["kind"] == "pipe"] == [4]
    pipe = write["state"]["pipes"][0]
    container = fs.boundary_mode == "container"
    assert pipe["bytes"] == (None if container else 11)
    assert events[-1]["reason"] == "exited"


def test_a_traced_program_runs_under_the_full_filter(fs: ForkServer) -> None:
    """strace runs inside the boundary with ptrace allowed, to trace; the launcher loads the
    whole filter before the program runs, so the program itself may not ptrace."""
    run = fs.scenario("trace-hello-pipe", mode="step")
    while (event := run.next_event()) is not None and event["type"] != "call.enter":
        run.control(op="step")  # each step shows strace's next line; the program waits
    assert event is not None
    status = Path(f"/proc/{event['pid']}/status").read_text()
    tracer = int(next(x for x in status.splitlines() if x.startswith("TracerPid:")).split()[1])
    filters = int(
        next(x for x in status.splitlines() if x.startswith("Seccomp_filters:")).split()[1]
    )
    tracer_filters = next(
        x
        for x in Path(f"/proc/{tracer}/status").read_text().splitlines()
        if x.startswith("Seccomp_filters:")
    )
    run.close()
    # strace's: ours without the ptrace line. The program's: that, strace's own, and ours.
    assert int(tracer_filters.split()[1]) == 1 and filters == 3
