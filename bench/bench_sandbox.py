"""What entering the sandbox costs a run's first process, layer by layer.

Each figure: fork a child, have it enter the boundary (sandbox.enter, as a run's first
process does), report over a pipe that it is inside, and exit; timed in the parent from
before the fork to the report. 200 rounds per configuration, after 10 to warm up.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _service import machine, percentile

from app.runner import sandbox

ROUNDS, WARM = 200, 10


def once(policy: sandbox.Policy | None) -> float:
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            if policy is not None:
                sandbox.enter(policy)
            os.write(w, b"in")
        except BaseException as err:
            import traceback

            traceback.print_exception(err)
        finally:
            os._exit(0)
    os.close(w)
    inside = os.read(r, 2)
    t1 = time.perf_counter()
    os.close(r)
    os.waitpid(pid, 0)
    assert inside == b"in", "the child could not enter the sandbox"
    return (t1 - t0) * 1000


def main() -> None:
    full = sandbox.probe()
    base = tempfile.mkdtemp(prefix="pipescope-bench-")
    os.chmod(base, 0o711)
    uid = 2_000_004_000
    configs: dict[str, sandbox.Policy | None] = {"fork alone (no sandbox)": None}
    layers = [
        (
            "uid, no_new_privs, environment",
            replace(full, namespaces=False, landlock=0, seccomp=False),
        ),
        ("+ Landlock", replace(full, namespaces=False, seccomp=False)),
        ("+ seccomp (the container mode)", replace(full, namespaces=False)),
        ("+ namespaces and the new root (the host mode)", full),
    ]
    for name, boundary in layers:
        configs[name] = sandbox.Policy(boundary, f"{base}/run", uid)
    print(f"machine: {machine()}")
    print(f"layers this machine has: {', '.join(full.layers())}")
    for name, policy in configs.items():
        times = [once(policy) for _ in range(WARM + ROUNDS)][WARM:]
        print(f"{name}: p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms")


if __name__ == "__main__":
    main()
