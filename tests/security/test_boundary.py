"""Attacks from a shell inside a run: every one fails, and nothing outside changes.

Each runs in both modes of the boundary (`host`: namespaces, a uid of the run's own, Landlock,
seccomp; `container`: the same without namespaces, as Docker's default profile allows).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
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
    server = os.stat(f"/proc/{fs.proc.pid}").st_uid
    if fs.boundary_mode == "unprivileged":  # no uid to give: the user namespace is the line
        assert uid == server != 0
    else:
        assert uid not in (0, server) and uid >= 1000
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
    script = (
        "env; cat /proc/$PPID/environ; cat /proc/1/environ; "
        "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c PIPESCOPE_; echo done"
    )
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
    run.until(lambda e: e["type"] == "output")  # the forks are done; their children sleep
    peak = 1 + len(_descendants(pid))
    made = int(printed(run.finish()).split()[1])
    assert 0 < made <= 8 and made < 40  # the shell and python are of the run too
    assert peak == made + 2  # all of the run's processes, and no more than its cap


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError):
                kids = {int(c) for c in (task / "children").read_text().split()}
                todo.extend(kids - found)
                found |= kids
    return found


def _running(marker: str) -> list[int]:
    """Processes whose command line holds marker (a sleep of a length no one else uses)."""
    found = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if marker.encode() in Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0"):
                found.append(int(name))
    return found


def test_nothing_of_a_run_outlives_it(fs: ForkServer) -> None:
    marker = "61.25"  # escapees of every kind: a new session, a background job, an orphan
    sleeps = f"setsid sleep {marker} & sleep {marker} & (sleep {marker} &)"
    script = f"{sleeps}; sleep 0.3; echo up; sleep 60"
    run = start_shell(fs, script, wall_s=1)
    run.until(lambda e: e["type"] == "output")
    assert len(_running(marker)) == 3
    assert run.finish()[-1]["reason"] == "timeout"
    end = time.monotonic() + 5
    while _running(marker) and time.monotonic() < end:
        time.sleep(0.05)
    assert _running(marker) == []


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


def test_a_shell_a_traced_c_program_starts_is_inside_the_same_boundary(fs: ForkServer) -> None:
    """popen(3) runs `/bin/sh -c sort`: a compiled program may exec whatever the run's root
    holds (/usr), and the boundary, not an allowlist, is what bounds it. The shell gets the
    program's uid, filters and namespaces, not a step outside them."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    import corpus
    from support import DEFAULT_LIMITS

    run = fs.start(corpus.request("popen_sort", DEFAULT_LIMITS) | {"mode": "step"})
    first: int | None = None
    while (event := run.next_event()) is not None:
        first = first or (event["pid"] if event["type"] == "proc.start" else None)
        execve = event["type"] == "call.return" and event.get("call") == "execve"
        if execve and event["args"]["path"].endswith("/sh") and event["ret"] == 0:
            break
        run.control(op="step")
    assert event is not None and first is not None, "the shell never ran"
    shell_pid = event["pid"]
    mine, theirs = (proc_facts(pid) for pid in (first, shell_pid))
    run.control(op="kill")
    run.finish()
    assert theirs == mine  # the same uid, no_new_privs, filters, namespaces
    assert theirs["Uid"] != "0" and theirs["NoNewPrivs"] == "1" and theirs["Seccomp"] == "2"
    if fs.boundary_mode == "host":  # type: ignore[attr-defined]
        assert theirs["mnt"] != os.readlink("/proc/self/ns/mnt")


def proc_facts(pid: int) -> dict[str, str]:
    status = dict(
        line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    facts = {k: status[k].split()[0] for k in ("Uid", "NoNewPrivs", "Seccomp", "Seccomp_filters")}
    facts["mnt"] = os.readlink(f"/proc/{pid}/ns/mnt")
    facts["net"] = os.readlink(f"/proc/{pid}/ns/net")
    return facts
