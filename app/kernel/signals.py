"""Each process's signal state as the kernel keeps it: /proc/PID/status's five masks.

`SigPnd` is pending for the thread, `ShdPnd` for the whole process (kill sends there),
`SigBlk` the mask, `SigIgn` set to SIG_IGN, `SigCgt` caught by a handler. Each is hex, bit
N-1 for signal N. Names are C's: "SIGUSR1", and real-time signals from glibc's SIGRTMIN
(34, since glibc keeps 32 and 33 for itself) as "SIGRTMIN+N"; 32 and 33 are "SIG32", "SIG33".
"""

from __future__ import annotations

import re
import signal
from typing import Any

from app.kernel.procfs import read_text

SIGRTMIN, SIGRTMAX = 34, 64
FIELDS = {
    "SigPnd": "pending",
    "ShdPnd": "shared_pending",
    "SigBlk": "blocked",
    "SigIgn": "ignored",
    "SigCgt": "caught",
}
STANDARD = {s.name: int(s) for s in signal.Signals if s.name.startswith("SIG") and s < 32}
STANDARD.pop("SIGIOT", None)  # an alias of SIGABRT
STANDARD.pop("SIGCLD", None)  # an alias of SIGCHLD
STANDARD.pop("SIGPOLL", None)  # an alias of SIGIO
NAME_OF = {n: name for name, n in STANDARD.items()}
RT_NAME = re.compile(r"^SIGRTMIN(?:\+(\d{1,2}))?$|^SIGRTMAX(?:-(\d{1,2}))?$")
# What the kernel does with a signal nobody set a disposition for (man 7 signal).
DEFAULT_IGNORE = frozenset({"SIGCHLD", "SIGCONT", "SIGURG", "SIGWINCH"})
DEFAULT_STOP = frozenset({"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU"})
UNCATCHABLE = frozenset({"SIGKILL", "SIGSTOP"})


def name(signo: int) -> str:
    if signo in NAME_OF:
        return NAME_OF[signo]
    if signo == SIGRTMAX:
        return "SIGRTMAX"
    if SIGRTMIN <= signo < SIGRTMAX:
        return "SIGRTMIN" if signo == SIGRTMIN else f"SIGRTMIN+{signo - SIGRTMIN}"
    return f"SIG{signo}"


def number(signame: str) -> int | None:
    """The signal a name means, or None for a name C has not got."""
    if signame in STANDARD:
        return STANDARD[signame]
    m = RT_NAME.match(signame)
    if m is None:
        return None
    signo = (
        SIGRTMIN + int(m.group(1) or 0)
        if signame.startswith("SIGRTMIN")
        else SIGRTMAX - int(m.group(2) or 0)
    )
    return signo if SIGRTMIN <= signo <= SIGRTMAX else None


def is_realtime(signo: int) -> bool:
    return signo >= 32


NAMES = [name(n) for n in range(65)]  # by number: a mask is decoded a set bit at a time


def names(mask: int) -> list[str]:
    out = []
    while mask:
        low = mask & -mask
        out.append(NAMES[low.bit_length()])
        mask ^= low
    return out


def mask_of(signames: list[str]) -> int:
    mask = 0
    for signame in signames:
        signo = number(signame)
        if signo is not None:
            mask |= 1 << (signo - 1)
    return mask


def parse(text: str) -> dict[str, list[str]] | None:
    """The five masks' lines, which the kernel prints together, in FIELDS' order."""
    start = text.find("\nSigPnd:")
    lines = text[start + 1 :].split("\n", len(FIELDS))[: len(FIELDS)] if start >= 0 else []
    sets: dict[str, list[str]] = {}
    for line in lines:
        key, _, value = line.partition(":")
        field = FIELDS.get(key)
        if field is None:
            return None
        sets[field] = names(int(value, 16))
    return sets if len(sets) == len(FIELDS) else None


def sets(pid: int) -> dict[str, list[str]] | None:
    """pid's five signal sets, or None when its status cannot be read (gone, refused)."""
    text = read_text(f"/proc/{pid}/status")
    return parse(text) if text else None


def of_procs(pids: list[int]) -> dict[int, dict[str, Any] | None]:
    """Every live process's sets: one status read each (about 4 µs)."""
    return {pid: sets(pid) for pid in pids}
