"""FIFOs inside the boundary, in each of its modes: the run's directory (a tmpfs of its own,
or a directory of the host in a container) takes a FIFO, an open waits for its partner where
the supervisor can see it, and no name reaches outside the directory."""

from __future__ import annotations

import os

from boundary import ForkServer, shell
from support import calls


def test_a_fifo_rendezvous_works_and_is_seen_in_every_mode(fs: ForkServer) -> None:
    events = fs.scenario("fifo-rendezvous").finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    block = next(e for e in calls(events, "call.block") if e["call"] == "open")
    assert block["blocked_on"]["wchan"].endswith("wait_for_partner")
    opens = [e for e in calls(events) if e["call"] == "open"]
    assert [e["ret"] for e in opens] == [3, 3] and opens[1]["blocked"]
    (fifo,) = opens[1]["state"]["pipes"]
    assert fifo["kind"] == "fifo" and fifo["path"].endswith("/myfifo")
    rows = [r for p in opens[1]["state"]["procs"] for r in p["fds"] if r["fd"] == 3]
    assert {(r["kind"], r["type"], r["pipe"]) for r in rows} == {("fifo", "fifo", fifo["id"])}
    if fs.boundary_mode != "container":  # type: ignore[attr-defined]
        # Its own mount namespace: the run's directory is /tmp inside.
        assert fifo["path"] == "/tmp/myfifo"
    assert not os.path.exists("/tmp/myfifo")  # nothing on the host's /tmp, in any mode


def test_a_fifo_name_never_leaves_the_run_directory(fs: ForkServer) -> None:
    """The program model refuses any name but one in the run's directory; the kernel's
    boundary stands behind it: a shell that skips the model cannot make one elsewhere."""
    script = (
        "for p in ../escaped /usr/escaped /escaped; do mkfifo $p && echo MADE $p; done; echo END"
    )
    out, events = shell(fs, script)
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    assert "END" in out and "MADE" not in out, out
    assert not os.path.exists("/usr/escaped") and not os.path.exists("/escaped")
