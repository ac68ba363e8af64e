"""From strace's words to the runner's: call names, named arguments, and what a call moved.

strace prints what the kernel was asked (`pipe2`, `clone3`, `dup3`, ...); the page speaks the
runner's vocabulary (`pipe`, `fork`, `dup2`, ...), with arguments named as in the man pages.
Bytes a read or write moved are re-escaped by the runner's own rule, so the same bytes read
the same whichever backend saw them.
"""

from __future__ import annotations

import re
from typing import Any

from app.runner.escape import escape, runs
from app.strace import fd_calls
from app.strace.lines import split_args

# What each system call is called on the page. Everything else keeps its own name.
RENAMES = {
    "pipe2": "pipe",
    "clone": "fork",
    "clone3": "fork",
    "vfork": "fork",
    "dup3": "dup2",
    "execveat": "execve",
    "nanosleep": "clock_nanosleep",
}
# Process lifecycle: shown even when no pipe or standard fd is involved.
LIFECYCLE = {
    "fork",
    "clone",  # a thread's
    "execve",
    "wait4",
    "waitid",
    "exit_group",
    "exit",  # a thread's own end (C's _exit is exit_group)
    "kill",
    "tgkill",
    "clock_nanosleep",
    "close_range",
}
FORKS = {"clone", "clone3", "vfork", "fork"}
# Shown whatever their fds: the calls that wait on fds, move bytes between them, or make the
# new kinds' objects (the loader and libc's start-up make none of them).
ALWAYS = fd_calls.WAITS | {
    "pipe",
    "epoll_ctl",
    "splice",
    "tee",
    "vmsplice",
    "sendfile",
    "copy_file_range",
    "socketpair",
    "socket",
    "bind",
    "listen",
    "accept",
    "accept4",
    "connect",
    "shutdown",
    "mknodat",
    "mknod",
    "unlink",
    "unlinkat",
    "pause",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigreturn",  # a handler's end: its return is the interrupted call's, as C sees it
    "epoll_create",
    "epoll_create1",
}
# Calls whose inputs strace prints only with the return (after an output argument): read
# from the registers at entry, so that call.enter and call.return say the same.
INPUTS_LATE = {"pipe2"}
READS = {"read", "readv", "preadv", "preadv2"}
WRITES = {"write", "writev", "pwritev", "pwritev2", "vmsplice"}
STD_FDS = (0, 1, 2)

_FD = re.compile(r"^(-?\d+)(?:<(.*)>)?$")
_STRING = re.compile(r'^"(.*)"(\.\.\.)?$', re.DOTALL)
_TIMESPEC = re.compile(r"tv_sec=(\d+), tv_nsec=(\d+)")
Runs = list[tuple[str, int]] | None
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.DOTALL)
_ESCAPES = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "a": 7, "b": 8, "\\": 92, '"': 34}


def fd_of(arg: str) -> tuple[int | None, str | None]:
    """`3<pipe:[7]>` -> (3, "pipe:[7]"); `AT_FDCWD</tmp>` -> (None, "/tmp")."""
    m = _FD.match(arg)
    if m:
        return int(m.group(1)), m.group(2)
    return None, None


def unescape(arg: str) -> tuple[bytes, bool] | None:
    """A string as strace -x prints it, back to bytes; the flag says strace cut it short."""
    m = _STRING.match(arg)
    if not m:
        return None
    return _ESCAPE.sub(_byte, m.group(1).encode()), bool(m.group(2))


def _byte(m: re.Match[bytes]) -> bytes:
    code = m.group(1)
    if code[:1] == b"x":
        return bytes([int(code[1:], 16)])
    if code[:1].isdigit():  # octal, as strace prints a NUL without -x: \0
        return bytes([int(code, 8) & 0xFF])
    return bytes([_ESCAPES.get(code.decode(), code[0])])


def strings(arg: str) -> list[str]:
    """`["wc", "-l"]` -> ["wc", "-l"]."""
    inner = arg[1:-1] if arg.startswith("[") and arg.endswith("]") else arg
    out = []
    for item in split_args(inner):
        got = unescape(item)
        out.append(got[0].decode("utf-8", "replace") if got else item)
    return out


def number(arg: str) -> int | str:
    try:
        return int(arg, 0)
    except ValueError:
        return arg


def page_name(name: str, args: list[str]) -> str:
    """The runner's name for a call; a clone that makes a thread is not a fork."""
    if name in ("clone", "clone3") and any("CLONE_THREAD" in a for a in args):
        return "clone"
    return RENAMES.get(name, name)


def named_args(name: str, args: list[str]) -> dict[str, Any]:
    """The arguments strace printed, named as the runner names them. At a call's entry
    strace prints only its inputs; its outputs (a read's bytes, a pipe's fds) come later."""
    call = page_name(name, args)
    a = args
    if call == "pipe":
        return {"flags": pipe_flags(a[1])} if len(a) > 1 else {}  # at entry: not printed yet
    if call == "fork":
        return {}
    if call in ("close", "dup") and a:
        return {"fd" if call == "close" else "oldfd": fd_of(a[0])[0]}
    if call == "dup2" and len(a) >= 2:
        out: dict[str, Any] = {"oldfd": fd_of(a[0])[0], "newfd": fd_of(a[1])[0]}
        if len(a) > 2 and a[2] != "0":
            out["flags"] = a[2]
        return out
    if call in ("read", "write") and a:
        out = {"fd": fd_of(a[0])[0]}
        if len(a) >= 3:
            if call == "write":
                got = unescape(a[1])
                if got is not None:
                    shown, cut = escape(got[0])
                    out["buf"] = shown
                    if cut or got[1]:
                        out["buf_truncated"] = True
            out["count"] = number(a[2])
        return out
    if call == "execve" and a:
        path = unescape(a[1] if name == "execveat" and len(a) > 1 else a[0])
        argv = a[2] if name == "execveat" and len(a) > 2 else a[1] if len(a) > 1 else "[]"
        return {"path": path[0].decode("utf-8", "replace") if path else a[0], "argv": strings(argv)}
    if call == "wait4" and a:
        return {"pid": number(a[0])}
    if call in ("exit_group", "exit") and a:
        return {"status": number(a[0])}
    if call == "fcntl" and len(a) >= 2:
        out = {"fd": fd_of(a[0])[0], "cmd": a[1]}
        if len(a) > 2:
            out["flags" if a[1] == "F_SETFL" else "arg"] = number(a[2])
        return out
    if call == "clock_nanosleep":
        m = _TIMESPEC.search(", ".join(a))
        return {"ms": int(m.group(1)) * 1000 + int(m.group(2)) // 1_000_000} if m else {}
    if call in ("kill", "tgkill") and len(a) >= 2:
        return {"pid": number(a[0]), "sig": a[-1]}
    if call == "rt_sigaction" and len(a) >= 2:
        handler = re.search(r"sa_handler=(\w+)", a[1])
        return {"sig": a[0], "handler": handler.group(1) if handler else None}
    if call == "ioctl" and len(a) >= 2:
        return {"fd": fd_of(a[0])[0], "request": a[1]}
    if call in ("openat", "open") and len(a) >= 2:
        path = unescape(a[1] if call == "openat" else a[0])
        return {"path": path[0].decode("utf-8", "replace") if path else a[0], "flags": a[-1]}
    return fd_calls.named(name, a) or {"raw": ", ".join(a)}


def pipe_flags(arg: str) -> int | str:
    """pipe2's flags as the runner names them: 0, or C's names (`O_CLOEXEC|O_NONBLOCK`)."""
    return 0 if arg in ("0", "") else arg


def returned_args(name: str, args: list[str], note: str | None = None) -> dict[str, Any]:
    """What the call filled in, named: `fds` for pipe, `ready` for poll, ..."""
    if page_name(name, args) == "pipe" and args:
        return {"fds": [fd_of(x)[0] for x in split_args(args[0].strip("[]"))]}
    return fd_calls.returned(name, args, note)


def moved(name: str, args: list[str], ret: int | None) -> tuple[str | None, bool, Runs]:
    """The bytes a read or write moved, escaped and capped as the runner does, and as runs of
    one byte when strace printed them all (it prints 64: `-s 64`)."""
    if name not in READS | WRITES or ret is None or ret <= 0 or len(args) < 2:
        return None, False, None
    got: tuple[bytes, bool] | None
    if name in fd_calls.VECTORED:
        parts = [unescape(buf) for buf in fd_calls.vector_bytes(args)]
        if not parts or any(p is None for p in parts):
            return None, False, None
        got = (b"".join(p[0] for p in parts if p), any(p[1] for p in parts if p))
    else:
        got = unescape(args[1])
    if got is None:
        return None, False, None
    data, cut_by_strace = got
    shown, cut = escape(data[:ret])
    whole = not cut_by_strace or ret <= len(data)
    return shown, cut or not whole, runs(data[:ret]) if whole else None


def targets(args: list[str], decor: str | None = None) -> list[tuple[int | None, str | None]]:
    """Every fd a call names, with what -y says it is, the returned one included."""
    found: list[tuple[int | None, str | None]] = []
    for arg in args:
        for item in split_args(arg.strip("[]")) if arg.startswith("[") else [arg]:
            fd, target = fd_of(item)
            if fd is not None and target is not None:
                found.append((fd, target))
    if decor is not None:
        found.append((None, decor))
    return found


def interesting(
    call: str, args: list[str], decor: str | None = None, fifos: frozenset[str] = frozenset()
) -> bool:
    """Shown by default: process lifecycle, the calls of ALWAYS, and calls on a pipe, a
    socket, a FIFO (`fifos`: the paths made by mknodat) or fds 0, 1 and 2. The loader's and
    libc's calls (opening libc.so, reading locale files) are not."""
    if call in LIFECYCLE or call in ALWAYS:
        return True
    if call == "rt_sigaction":  # a disposition the program sets: not glibc's (SIGRT_1)
        if len(args) < 2 or args[1] == "NULL" or not args[0].startswith("SIG"):
            return False
        # SIGPIPE's decides how a write to a closed pipe ends; otherwise a handler or SIG_IGN
        return args[0] == "SIGPIPE" or ("RT" not in args[0] and "SIG_DFL" not in args[1])
    if call == "mmap":  # memory shared to write in; not libc's read-only caches (gconv)
        return len(args) >= 4 and "MAP_SHARED" in args[3] and "PROT_WRITE" in args[2]
    if call in ("openat", "open") and fifos and opened_path(call, args) in fifos:
        return True
    for fd, target in targets(args, decor):
        if fd in STD_FDS or (target or "").startswith(("pipe:", "socket:")) or target in fifos:
            return True
    return False


def opened_path(call: str, args: list[str]) -> str | None:
    """The whole path an open or mknodat names: `AT_FDCWD</tmp/x>, "f"` -> `/tmp/x/f`."""
    at, rel = (args[0], args[1]) if call != "open" and len(args) > 1 else ("", args[0])
    got = unescape(rel) if rel else None
    if got is None:
        return None
    path = got[0].decode("utf-8", "replace")
    base = fd_of(at)[1] or (at[len("AT_FDCWD<") : -1] if at.startswith("AT_FDCWD<") else "")
    return path if path.startswith("/") or not base else f"{base}/{path}"
