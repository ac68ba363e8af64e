"""Which sleeping calls a call's end woke, and what each moved in the kernel before we looked.

A read that frees a page wakes a writer asleep on the full pipe, and the kernel lets that
write land at once, on another CPU, often before the reader's own report reaches us. So when
a call ends, the supervisor asks the kernel about every call it had asleep: one still asleep
that has not been given the CPU since (/proc/PID/schedstat) was not woken; one whose return
message is in, or that is running, or that ran and sleeps again (a big write that filled the
freed slots), was. `await_woken`
waits until each woken call has reported or sleeps again; `plan` puts them in kernel order
and says how many bytes each moved, so every event's state is the world after it alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from app.kernel import procfs
from app.runner import channel
from app.runner.channels import Channels
from app.runner.world import Proc, World, queued

SETTLE_WAIT_S = 1.0  # a woken call on its way back to user space; far more than it takes
POLL_S = 0.00005


@dataclass
class Woken:
    proc: Proc
    reply: tuple[dict[str, Any] | None, list[int]] | None  # None: it sleeps again


@dataclass
class Step:
    """One event of the settling, in kernel order: a woken call's return, or a sleeping
    write that went on (`move` bytes into `pipe`) and sleeps again."""

    proc: Proc
    reply: tuple[dict[str, Any] | None, list[int]] | None
    pipe: str | None
    move: int  # bytes added to the pipe (negative: taken)
    blocked_on: dict[str, Any] | None


def record_sleep(proc: Proc, order: int) -> None:
    """Call when the kernel is seen to have proc's call asleep (and nothing else runs that
    could wake it): its count of CPU grants now tells later whether it was woken since."""
    assert proc.in_call is not None
    proc.in_call["ran"] = procfs.switch_ins(proc.pid)
    proc.in_call["slept"] = order


def asleep_since(proc: Proc) -> tuple[bool, int | None] | None:
    """(whether it was woken since record_sleep, its count now) when the kernel has proc
    asleep; None when it is awake. The count is read on both sides of the wchan, and only a
    reading where it did not move is believed: one woken, run and asleep again in between
    would otherwise look as if it had never woken. Asleep means in the same wait as before: a
    writer woken to die of SIGPIPE may sleep on its way out, elsewhere."""
    assert proc.in_call is not None
    wait = (proc.blocked_on or {}).get("wchan")
    for _ in range(100):  # a task that keeps being given the CPU is awake: no need to look on
        before = procfs.switch_ins(proc.pid)
        found = procfs.blocked_in_kernel(proc.pid)
        sleeping = found is not None and (wait is None or found[0] == wait)
        if before == procfs.switch_ins(proc.pid):
            if not sleeping or before is None:
                return None
            return before != proc.in_call.get("ran"), before
    return None


def await_woken(sleepers: list[Proc], chans: Channels) -> list[Woken]:
    found: dict[int, Woken] = {}
    end = time.monotonic() + SETTLE_WAIT_S
    while True:
        running = changed = False
        for proc in sleepers:
            if proc.pid in found or proc.in_call is None:
                continue
            chan = chans.of(proc)
            if chan is not None and chans.pending(proc):
                found[proc.pid] = Woken(proc, channel.recv(chan))
                changed = True
            elif (seen := asleep_since(proc)) is None:
                st = procfs.stat(proc.pid)  # awake: on its way back with its report
                running = running or (st is not None and st.state not in "ZXTt")
            elif seen[0]:
                proc.in_call["ran"] = seen[1]
                found[proc.pid] = Woken(proc, None)
                changed = True
        # A woken write that ends may wake the next writer: look again after each find.
        if not (running or changed) or time.monotonic() > end:
            return sorted(found.values(), key=lambda w: w.proc.in_call["slept"])  # type: ignore[index]
        if not changed:
            time.sleep(POLL_S)


def socket_move(world: World, w: Woken) -> tuple[str | None, int]:
    """A woken send or recv on a socket: (the queue it changed, bytes added, or taken when
    negative), as the ordering rule needs them to hold each event to its own calls. A send
    that queued part of its bytes before it slept is taken as having moved them all now."""
    sock = (w.proc.blocked_on or {}).get("socket")
    msg = w.reply[0] if w.reply else None
    call = w.proc.in_call
    if not sock or call is None or not msg or msg.get("k") != "ret" or msg["errno"] is not None:
        return None, 0
    if msg["ret"] <= 0:
        return None, 0
    if call["call"] in ("send", "sendmsg", "write"):
        peer = world.sockets.peer_of(sock)
        return (peer, msg["ret"]) if peer else (None, 0)
    if call["call"] in ("recv", "recvmsg", "read"):
        return sock, -msg["ret"]
    return None, 0


def plan(world: World, woken: list[Woken], cause: Proc | None) -> list[Step]:
    """The woken calls in the order the kernel woke them (its wait queues are first come,
    first served), each with the bytes it moved; then the cause itself, when it is a write
    asleep that a woken reader made room for and that went on and sleeps again."""
    rings = {pipe: ring.copy() for pipe, ring in world.rings.items()}
    steps = []
    for w in woken:
        call = w.proc.in_call
        assert call is not None
        pipe = (w.proc.blocked_on or {}).get("pipe")
        ring = rings.get(pipe or "")
        move = 0
        msg = w.reply[0] if w.reply else None
        if ring is None:
            pipe, move = socket_move(world, w)
        elif w.reply is None and call["call"] == "write":
            move = ring.write(call["args"]["count"] - call.get("moved", 0), resumed=True)
        elif msg and msg.get("k") == "ret" and msg["errno"] is None and msg["ret"] > 0:
            if call["call"] == "write":
                move = msg["ret"] - call.get("moved", 0)
                ring.write(move, resumed=True)
            elif call["call"] == "read":
                move = -ring.read(msg["ret"])
        if w.reply is not None or move:
            steps.append(Step(w.proc, w.reply, pipe, move, w.proc.blocked_on))
    call = cause.in_call if cause is not None else None
    if cause is not None and call and call["blocked"] and call["call"] == "write":
        pipe = (cause.blocked_on or {}).get("pipe")
        ring = rings.get(pipe or "")
        kernel = queued(world, pipe) if ring is not None and pipe else None
        if ring is not None and kernel is not None and kernel > ring.bytes:
            move = ring.write(call["args"]["count"] - call.get("moved", 0), resumed=True)
            if move:
                steps.append(Step(cause, None, pipe, move, cause.blocked_on))
    return steps
