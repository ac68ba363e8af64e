"""The uids runs get: one each, held by no other run on this machine, of any server.

A run's uid is its boundary (nothing else can signal, trace or read the processes of a uid
no one else has) and its process cap (RLIMIT_NPROC counts a uid's processes machine-wide).
So a uid must be unique across every pipescope server on the machine, not only this one's:
each uid in use is claimed by binding an abstract Unix socket named after it, which the
kernel gives to one process at a time and frees when that process dies, and a uid still
owning a process (an escapee of a server killed outright) is skipped.
"""

from __future__ import annotations

import os
import random
import socket

RANGE = 4096  # uids from the base; random picks keep servers from walking the same ones
TRIES = 64


class NoUidFree(RuntimeError):
    pass


class UidPool:
    def __init__(self, base: int) -> None:
        self.base = base
        self.claims: dict[int, socket.socket] = {}

    def take(self) -> int:
        for _ in range(TRIES):
            uid = self.base + random.randrange(RANGE)
            if uid in self.claims:
                continue
            claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                claim.bind(f"\0pipescope-run-uid-{uid}")
            except OSError:  # another server's run has it
                claim.close()
                continue
            if owns_a_process(uid):
                claim.close()
                continue
            self.claims[uid] = claim
            return uid
        raise NoUidFree(f"no free uid among {RANGE} from {self.base}")

    def give_back(self, uid: int) -> None:
        claim = self.claims.pop(uid, None)
        if claim is not None:
            claim.close()

    def fileno_of_claims(self) -> list[int]:
        """The claims' fds, for a forked child to close: it must not hold them."""
        return [claim.fileno() for claim in self.claims.values()]


def owns_a_process(uid: int) -> bool:
    """Whether any process on the machine has this uid: its /proc directory is its uid's
    (a run's processes stay dumpable, sandbox.py, so none hides behind root's)."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    return True
            except OSError:
                continue
    return False
