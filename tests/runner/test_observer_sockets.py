"""The independent observer, for sockets: after every step of a step-mode run of each socket
scenario, the test asks the kernel itself and checks each event's `state.sockets`.

Nothing here comes from app/kernel: the test makes its own sock_diag socket, in the run's
network namespace from a thread that joined it with setns (the runner forks a child for
that), asks for every Unix socket of that namespace in one dump (the runner looks each one
up by inode), and borrows fds with its own pidfd_getfd for FIONREAD. It runs as root on a
host, as the other observer does.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import re
import socket
import struct
import termios
import threading
from typing import Any

import pytest
from support import ForkServer
from test_observer import RETRIES, SYS_PIDFD_GETFD, Moved, Stream, moves_by_itself, read, tail

from app.scenarios import catalog

_libc = ctypes.CDLL(None, use_errno=True)
SOCKET_SCENARIOS = [s.name for s in catalog.all_scenarios() if s.chapter == "socket"]
TYPES = {1: "stream", 2: "datagram", 5: "seqpacket"}
CLONE_NEWNET = 0x40000000


# -- the observer's own sock_diag ----------------------------------------------------------
def diag_socket_in(pid: int) -> socket.socket:
    """A NETLINK_SOCK_DIAG socket made by a thread inside pid's network namespace."""
    made: list[socket.socket] = []

    def join() -> None:
        fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
        try:
            assert _libc.setns(fd, CLONE_NEWNET) == 0, os.strerror(ctypes.get_errno())
        finally:
            os.close(fd)
        made.append(socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4))

    thread = threading.Thread(target=join)
    thread.start()
    thread.join()
    return made[0]


def dump(diag: socket.socket) -> dict[int, dict[str, Any]]:
    """Every Unix socket of the namespace: ino -> what UNIX_DIAG says of it."""
    show = 0x1 | 0x4 | 0x8 | 0x10  # NAME, PEER, ICONS, RQLEN
    req = struct.pack(
        "=BBHIIIII", socket.AF_UNIX, 0, 0, 0xFFFFFFFF, 0, show, 0xFFFFFFFF, 0xFFFFFFFF
    )
    diag.send(struct.pack("=IHHII", 16 + len(req), 20, 0x1 | 0x300, 1, 0) + req)
    found: dict[int, dict[str, Any]] = {}
    while True:
        data = diag.recv(1 << 16)
        at = 0
        while at < len(data):
            length, kind = struct.unpack_from("=IH", data, at)
            if kind == 3:  # NLMSG_DONE
                return found
            assert kind == 20, f"netlink message type {kind}"
            body = data[at + 16 : at + length]
            _, type_, state, _, ino = struct.unpack_from("=BBBBI", body)
            row: dict[str, Any] = {"type": TYPES.get(type_), "state": state, "peer": None}
            row |= {"path": None, "pending": None, "rqueue": None}
            pos = 16
            while pos + 4 <= len(body):
                alen, akind = struct.unpack_from("=HH", body, pos)
                value = body[pos + 4 : pos + alen]
                if akind == 0:
                    row["path"] = value.rstrip(b"\0").decode()
                elif akind == 2:
                    row["peer"] = struct.unpack("=I", value)[0]
                elif akind == 3:
                    row["pending"] = len(value) // 4
                elif akind == 4:
                    row["rqueue"] = struct.unpack("=II", value)[0]
                pos += (alen + 3) & ~3
            found[ino] = row
            at += (length + 3) & ~3


def fionread(pid: int, fd: int) -> int:
    pidfd = os.pidfd_open(pid)
    try:
        mine = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if mine < 0:
            raise Moved(f"pidfd_getfd {pid} {fd}")
        try:
            return int(struct.unpack("i", fcntl.ioctl(mine, termios.FIONREAD, b"\0" * 4))[0])
        finally:
            os.close(mine)
    finally:
        os.close(pidfd)


def scm_fds(pid: int, fd: int) -> int:
    found = re.search(r"^scm_fds:\s+(\d+)", read(f"/proc/{pid}/fdinfo/{fd}") or "", re.M)
    if found is None:
        raise Moved(f"{pid} fd {fd}: no fdinfo")
    return int(found.group(1))


# -- comparing -----------------------------------------------------------------------------
def differences(state: dict[str, Any], diag: socket.socket) -> list[str]:
    try:
        return compare(state, diag)
    except (Moved, OSError) as moved:
        return [f"the kernel moved while read: {moved}"]


def compare(state: dict[str, Any], diag: socket.socket) -> list[str]:
    out: list[str] = []
    held: dict[str, tuple[int, int]] = {}
    for proc in state["procs"]:
        if proc["status"] in ("exited", "killed"):
            continue
        for name in os.listdir(f"/proc/{proc['pid']}/fd"):
            if int(name) >= 1000:
                continue
            try:
                target = os.readlink(f"/proc/{proc['pid']}/fd/{name}")
            except OSError:
                raise Moved(f"{proc['pid']} fd {name} closed") from None
            if target.startswith("socket:["):
                held.setdefault(target, (proc["pid"], int(name)))
    shown = {s["id"]: s for s in state["sockets"]}
    if set(shown) != set(held):
        return [f"sockets shown {sorted(shown)}, held {sorted(held)}"]
    kernel = dump(diag)
    for sid, (pid, fd) in held.items():
        row, seen = shown[sid], kernel.get(int(sid[8:-1]))
        if seen is None:
            out.append(f"{sid}: not in the namespace's sock_diag dump")
            continue
        peer = f"socket:[{seen['peer']}]" if seen["peer"] else None
        mine = {"type": seen["type"], "peer": peer, "path": seen["path"]}
        theirs = {k: row[k] for k in mine}
        if mine != theirs:
            out.append(f"{sid}: shown {theirs}, kernel {mine}")
        if (row["state"] == "listening") != (seen["state"] == 10):
            out.append(f"{sid}: shown {row['state']}, kernel state {seen['state']}")
        if seen["state"] == 10:
            if len(row["backlog"]) != seen["pending"] or seen["rqueue"] != seen["pending"]:
                out.append(f"{sid}: backlog {row['backlog']}, kernel {seen['pending']} pending")
            continue
        first = fionread(pid, fd)  # a stream's bytes; a datagram socket's first message
        if row["type"] == "stream" and row["bytes"] != first:
            out.append(f"{sid}: {row['bytes']} bytes shown, FIONREAD {first}")
        if row["type"] != "stream" and (row["messages"] or [0])[0] != first:
            out.append(f"{sid}: messages {row['messages']}, FIONREAD {first}")
        if row["type"] == "seqpacket" and row["bytes"] != seen["rqueue"]:
            out.append(f"{sid}: {row['bytes']} bytes shown, sock_diag {seen['rqueue']}")
        if len(row["in_flight"]) != scm_fds(pid, fd):
            out.append(f"{sid}: {row['in_flight']} in flight, fdinfo {scm_fds(pid, fd)}")
    return out


@pytest.mark.parametrize("name", SOCKET_SCENARIOS)
def test_every_step_matches_sock_diag_read_independently(forkserver: ForkServer, name: str) -> None:
    params = {"total": 64 * 4096, "reader_delay_ms": 0} if name == "socket-full" else None
    run = forkserver.scenario(name, params, mode="step", limits={"wall_s": 60})
    stream = Stream(run)
    diag: socket.socket | None = None
    checked = with_sockets = 0
    try:
        while True:
            event = stream.still()
            if event["type"] == "run.end":
                break
            if diag is None and event["state"]["procs"]:
                diag = diag_socket_in(event["state"]["procs"][0]["pid"])
            assert diag is not None
            problems = differences(event["state"], diag)
            tries = 0
            while problems and tries < RETRIES and stream.take(1.0):
                tries += 1
                event = stream.still()
                problems = differences(event["state"], diag) if event["type"] != "run.end" else []
            assert not problems, f"{name} at {event['seq']}: {problems}; {tail(run.events)}"
            checked += 1
            with_sockets += bool(event["state"]["sockets"])
            if event["type"] == "run.end":
                break
            if [p for p in event["state"]["procs"] if p["next"]]:
                run.control(op="step")
            elif not moves_by_itself(event["state"]):
                run.control(op="kill")
            stream.take(1.0)
    finally:
        run.close()
        if diag is not None:
            diag.close()
    assert with_sockets > 3, f"{name}: only {with_sockets} of {checked} steps held a socket"
    assert run.events[-1]["reason"] in ("exited", "killed"), run.events[-1]["message"]
