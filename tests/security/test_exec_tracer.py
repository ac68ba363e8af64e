"""The strace that follows an exec'd program: outside the boundary, yet no stronger than the
run. In every mode (a container's root has no CAP_SYS_PTRACE: the tracer, the run's uid,
needs none)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from boundary import ForkServer
from support import reader_of_a_silent_pipe

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's uid needs root")


def status_of(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def test_an_exec_d_program_is_traced_by_the_runs_uid_in_every_mode(fs: ForkServer) -> None:
    procs = reader_of_a_silent_pipe(["wc", "-l"])
    run = fs.program(procs, limits={"wall_s": 10})
    start = run.until(lambda e: e["type"] == "run.start")
    block = run.until(lambda e: e["type"] == "call.block" and e["call"] == "read")
    tracee = status_of(block["pid"])
    tracer = status_of(int(tracee["TracerPid"]))
    tracer_ns, tracee_ns = (namespaces(p) for p in (int(tracee["TracerPid"]), block["pid"]))
    run.close()
    assert start["exec_calls"] == "strace"
    assert block["blocked_on"]["wchan"].endswith("pipe_read")
    assert tracer["Name"].strip() == "strace"
    assert tracer["Uid"].split() == tracee["Uid"].split() and tracee["Uid"].split()[0] != "0"
    assert tracer["Groups"].strip() == ""
    assert tracer["CapEff"].strip() == tracer["CapPrm"].strip() == "0000000000000000"
    assert tracer["NoNewPrivs"].strip() == "1" and int(tracer["Seccomp"]) == 2
    # The tracer lives in the run's namespaces, its files and its network (in a container
    # there are none but the container's; without root, a user namespace's cannot be joined).
    assert (tracer_ns == tracee_ns) == (fs.boundary_mode != "unprivileged")


def namespaces(pid: int) -> dict[str, str]:
    return {ns: os.readlink(f"/proc/{pid}/ns/{ns}") for ns in ("net", "mnt", "ipc", "uts")}
