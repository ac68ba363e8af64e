"""The arguments of the calls that wait on fds, move bytes without read or write, or make the
new kinds' objects, named as their man pages name them (calls.py names the runner's own).

- Waiting: poll, ppoll, select, pselect6, epoll_wait, epoll_pwait (and epoll_ctl, which
  says what an epoll watches). Their return says which fds were ready (`ready`), from what
  strace prints after the return value: `([{fd=3, revents=POLLIN}])`, `(in [3], out [4])`,
  or the events epoll_wait filled in.
- Vectored and zero-copy: readv, writev, preadv, pwritev (their buffers' bytes, joined, are
  the call's `data`), splice, tee, vmsplice, sendfile, copy_file_range.
- The new kinds: sockets, a FIFO's mknodat, unlink, mmap.
"""

from __future__ import annotations

import re
from typing import Any

# Calls that move bytes between fds, and which argument is the fd on each side (app/runner/
# moves.py applies them to the rings).
WAITS = {"poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2"}
VECTORED = {"readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "vmsplice"}
SETS = ("readfds", "writefds", "exceptfds")
_POLLFD = re.compile(r"\{fd=(-?\d+)(?:<[^>]*>)?, (?:events|revents)=([A-Z|]+)\}")
_SET = re.compile(r"(in|out|except) \[([^\]]*)\]")
_IOV = re.compile(r'iov_base=("(?:[^"\\]|\\.)*"(?:\.\.\.)?)|iov_base=(\w+)')
_EPOLL_EVENT = re.compile(r"\{events=([A-Z|]+), data=\{u32=(\d+)")


def fd_number(arg: str) -> int | str:
    m = re.match(r"^(-?\d+)", arg)
    return int(m.group(1)) if m else arg


def fd_list(arg: str) -> list[int]:
    """`[3<pipe:[7]>, 5]` -> [3, 5] (select's sets); `NULL` -> []."""
    if not arg.startswith("["):
        return []
    return [int(x) for x in re.findall(r"(?:^|, )(\d+)", arg.strip("[]"))]


def named(name: str, a: list[str]) -> dict[str, Any] | None:
    """The named inputs of one of these calls, or None when it is none of them."""
    if name in ("poll", "ppoll") and a:
        fds = [{"fd": int(fd), "events": ev} for fd, ev in _POLLFD.findall(a[0])]
        timeout = fd_number(a[2]) if len(a) > 2 and name == "poll" else a[2] if len(a) > 2 else None
        return {"fds": fds, "timeout": timeout}  # poll's in ms; ppoll's a timespec or NULL
    if name in ("select", "pselect6") and a:
        sets = {k: fd_list(v) for k, v in zip(SETS, a[1:4], strict=False)}
        return {"nfds": fd_number(a[0]), **sets, "timeout": a[4] if len(a) > 4 else None}
    if name in WAITS and a:  # epoll_wait(epfd, events, maxevents, timeout)
        out: dict[str, Any] = {"epfd": fd_number(a[0])}
        if len(a) >= 4:
            out |= {"maxevents": fd_number(a[2]), "timeout": fd_number(a[3])}
        return out
    if name == "epoll_ctl" and len(a) >= 3:
        return {"epfd": fd_number(a[0]), "op": a[1], "fd": fd_number(a[2])}
    if name in VECTORED and a:
        out = {"fd": fd_number(a[0])}
        if len(a) >= 3:
            out["iovcnt"] = fd_number(a[2])
        return out
    if name in ("splice", "tee") and len(a) >= 4:
        if name == "tee":
            return {"fd_in": fd_number(a[0]), "fd_out": fd_number(a[1]), "len": fd_number(a[2])}
        return {"fd_in": fd_number(a[0]), "fd_out": fd_number(a[2]), "len": fd_number(a[4])}
    if name == "sendfile" and len(a) >= 4:
        return {"out_fd": fd_number(a[0]), "in_fd": fd_number(a[1]), "count": fd_number(a[3])}
    if name == "copy_file_range" and len(a) >= 5:
        return {"fd_in": fd_number(a[0]), "fd_out": fd_number(a[2]), "len": fd_number(a[4])}
    if name in ("socket", "socketpair") and len(a) >= 3:
        return {"domain": a[0], "type": a[1]}
    if name in ("bind", "connect", "listen", "accept", "accept4", "shutdown") and a:
        return {"sockfd": fd_number(a[0])}
    if name in ("sendto", "recvfrom", "sendmsg", "recvmsg") and a:
        return {"sockfd": fd_number(a[0])}
    if name == "mknodat" and len(a) >= 3:
        return {"path": a[1].strip('"'), "mode": a[2]}
    if name in ("unlink", "unlinkat") and a:
        return {"path": a[-2 if name == "unlinkat" else 0].strip('"')}
    if name == "mmap" and len(a) >= 6:
        return {"length": fd_number(a[1]), "prot": a[2], "flags": a[3], "fd": fd_number(a[4])}
    return None


def returned(name: str, a: list[str], note: str | None) -> dict[str, Any]:
    """What the call filled in: the fds found ready, a pair's two fds, the iovecs' lengths."""
    if name in ("poll", "ppoll"):
        ready = [{"fd": int(fd), "revents": ev} for fd, ev in _POLLFD.findall(note or "")]
        return {"ready": ready}
    if name in ("select", "pselect6"):
        sets = dict(_SET.findall(note or ""))
        keys = {"in": "readable", "out": "writable", "except": "exceptional"}
        return {keys[k]: fd_list(f"[{v}]") for k, v in sets.items()}
    if name in WAITS and len(a) >= 2:
        found = [{"events": ev, "data": int(d)} for ev, d in _EPOLL_EVENT.findall(a[1])]
        return {"ready": found}
    if name == "socketpair" and len(a) >= 4:
        return {"fds": fd_list(a[3])}
    return {}


def vector_bytes(a: list[str]) -> list[str]:
    """The iovecs' buffers of readv/writev/vmsplice as strace printed them (strings)."""
    if len(a) < 2:
        return []
    return [m.group(1) for m in _IOV.finditer(a[1]) if m.group(1)]
