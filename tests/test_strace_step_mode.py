"""A traced C program in step mode is stepped to its end, call by call, as a runner scenario
is: strace holds every process at each call, so an exec'd program is no reason to refuse a
step (that refusal is for a runner process that exec'd a program nobody holds)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from service_client import WAIT_S, Client, Viewer


@pytest.mark.parametrize("scenario", ["trace-hello-pipe", "trace-eof"])
def test_a_traced_program_steps_to_its_end(api: Client, scenario: str) -> None:
    run = api.start(scenario=scenario, mode="step")
    deadline = time.monotonic() + 4 * WAIT_S
    while api.run(run["id"])["status"] != "ended":
        assert time.monotonic() < deadline, api.events(run["id"])[-3:]
        answer = api.control(run, "step")
        if answer.status_code == 409:
            assert "moves by itself" not in answer.text, answer.text
            time.sleep(0.05)  # a process inside its call: wait for it to come back
        else:
            assert answer.status_code == 202, answer.text
    end = api.events(run["id"])[-1]
    assert end["type"] == "run.end" and end["reason"] == "exited", end


# The child keeps the CPU a while after its read, in no system call (clock_gettime is the
# vDSO's), so strace waits for it and sees the parent asleep in wait4: a call.block. Then the
# child's exit wakes the parent, with no process left that a step may let go.
WAKES_LAST = """#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) {
        char buf[16];
        close(fds[1]);
        read(fds[0], buf, sizeof buf);
        for (double start = now(); now() - start < 0.3;) {
        }
        return 0;
    }
    close(fds[0]);
    write(fds[1], "hi", 2);
    wait(NULL);
    return 0;
}
"""
BY_ITSELF = ("call.block", "output", "state.change")  # events that come with no step


def step_one_at_a_time(viewer: Viewer) -> list[dict[str, Any]]:
    """Step as a person does, over the WebSocket: one step, then wait for the event it made
    before the next, so no step is ever queued ahead. A refused step is fine only while the
    run moves by itself (a woken call's return): if nothing comes, the run is hung."""
    seen: list[dict[str, Any]] = []
    viewer.until(lambda e: e["type"] == "compile", seen)  # these two come by themselves
    while seen[-1]["type"] != "run.end":
        viewer.send({"op": "step"})
        while True:
            try:
                event = viewer.next()
            except TimeoutError:
                last = [(e["seq"], e["type"], e["pid"], e.get("call")) for e in seen[-4:]]
                raise AssertionError(f"the run is hung; its last events: {last}") from None
            if "error" in event:
                assert "waiting to be let go" in event["error"], event
                continue  # refused: the next event must come without a step
            seen.append(event)
            if event["type"] not in BY_ITSELF:
                break
    return seen


def test_a_parent_woken_by_its_last_childs_exit_returns_without_a_step(api: Client) -> None:
    """Seen once in the browser: the parent told blocked in wait4, the child's exit, then
    every step refused ("no process is waiting to be let go") until the time limit, while
    strace held the parent's `<... wait4 resumed>` waiting for a step."""
    for attempt in range(3):
        source = WAKES_LAST + f"/* wakes last {attempt} {uuid.uuid4().hex} */\n"
        run = api.start(c_source=source, mode="step")
        try:
            with api.watch(run) as viewer:
                events = step_one_at_a_time(viewer)
        finally:
            api.control(run, "kill")  # a hung run would hold its processes for 300 s
        assert events[-1]["reason"] == "exited", events[-1]
        blocked = [e for e in events if e["type"] == "call.block" and e["call"] == "wait4"]
        if blocked:
            break
    else:
        pytest.fail("strace never saw the parent asleep in wait4: the race was not set up")
    parent = blocked[0]["pid"]
    after = [e for e in events if e["seq"] > blocked[0]["seq"]]
    order = [(e["type"], e["pid"] == parent) for e in after if e["type"] != "call.enter"]
    assert order[:2] == [("proc.exit", False), ("call.return", True)], order
