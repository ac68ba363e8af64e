"""One call's arguments and result as strace prints them (`strace -f -T`).

A call is printed as its arguments, split where strace splits them: the first `inputs` are
known when the call goes in (strace prints them on its `<unfinished ...>` line), the rest
when it returns (its `<... read resumed>` line). The names and arguments are the page's (the
system-call log of static/js/format.js, the events' vocabulary: `pipe`, `fork`, `dup2`); the
syntax is strace's: C strings, flags bare, signal sets as `[USR1 CHLD]`, `-1 EAGAIN
(Resource temporarily unavailable)`. What the events do not hold (a buffer's address, an
environment) is `...`, never a made-up value.
"""

from __future__ import annotations

import errno as errno_names
import os
import re
from typing import Any, NamedTuple

UNKNOWN = "..."
# Constants (F_SETFL, O_NONBLOCK, SIGPIPE, SIG_IGN) print bare, as strace prints them.
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_|]*$")
_RT = re.compile(r"^SIGRT(MIN|MAX)(?:([+-])(\d+))?$")
GLIBC_SIGRTMIN, KERNEL_SIGRTMIN, SIGRTMAX = 34, 32, 64
# Steps a program declares that are no system call (a CPU's load or store): strace sees none.
NOT_SYSCALLS = frozenset({"load", "store"})


class Call(NamedTuple):
    name: str
    args: list[str]
    inputs: int  # how many of args strace prints as the call goes in


def quote(text: str | None, cut: bool = False) -> str:
    """A string the events hold escaped already (`hello pipe\\n`), as strace prints it."""
    return f'"{text or ""}"' + ("..." if cut else "")


def signal_name(name: str) -> str:
    """glibc's name (`SIGRTMIN+1`, what the events say) as strace names it (`SIGRT_3`):
    strace counts real-time signals from the kernel's 32, glibc from 34."""
    m = _RT.match(name)
    if not m:
        return name
    base = GLIBC_SIGRTMIN if m.group(1) == "MIN" else SIGRTMAX
    offset = int(m.group(3) or 0) * (1 if m.group(2) != "-" else -1)
    number = base + offset - KERNEL_SIGRTMIN
    return "SIGRTMIN" if number == 0 else f"SIGRT_{number}"


def sigset(names: list[str] | None) -> str:
    if names is None:
        return UNKNOWN
    return "[" + " ".join(signal_name(n).removeprefix("SIG") for n in names) + "]"


def plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, str):
        return value if _CONSTANT.match(value) else quote(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return "NULL"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={plain(v)}" for k, v in value.items()) + "}"
    return str(value)


def flags(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(value) or "0"
    return str(value) if value not in (None, "", 0) else "0"


def wait_status(ev: dict[str, Any]) -> str:
    """wait4's status as strace decodes it, from the reaped child in the state after it."""
    ret = ev.get("ret", -1)
    child = next((p for p in ev["state"]["procs"] if p["pid"] == ret), None) if ret > 0 else None
    if child is None or child["status"] not in ("exited", "killed"):
        return UNKNOWN
    if child["status"] == "exited":
        return f"[{{WIFEXITED(s) && WEXITSTATUS(s) == {child['exit_code']}}}]"
    return f"[{{WIFSIGNALED(s) && WTERMSIG(s) == {signal_name(child['signal'] or '?')}}}]"


def _iov(text: str, length: Any, rights: list[int] | None) -> str:
    control = ""
    if rights:
        control = (
            ", msg_control=[{cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, "
            f"cmsg_data={plain(rights)}}}]"
        )
    return f"{{msg_iov=[{{iov_base={text}, iov_len={length}}}], msg_iovlen=1{control}}}"


def call(ev: dict[str, Any]) -> Call:
    """The call of a call.enter or call.return event (a return knows its outputs too)."""
    name, a = ev["call"], ev.get("args") or {}
    done = ev["type"] == "call.return"
    ok = done and ev.get("ret", -1) >= 0
    moved = quote(ev.get("data"), bool(ev.get("data_truncated"))) if ok else UNKNOWN
    fd = a.get("fd", UNKNOWN)
    if set(a) == {"raw"}:  # a traced call pipescope names no arguments for: strace's own text
        return Call(name, [a["raw"]] if a["raw"] else [], 1)
    match name:
        case "pipe":
            fds = plain(a["fds"]) if "fds" in a else UNKNOWN
            if a.get("flags"):
                return Call("pipe2", [fds, flags(a["flags"])], 0)
            return Call("pipe", [fds], 0)
        case "fork" | "setsid" | "sched_yield" | "pause":
            return Call(name, [], 0)
        case "close" | "dup":
            return Call(name, [str(a.get("fd", a.get("oldfd", UNKNOWN)))], 1)
        case "dup2":
            args = [str(a.get("oldfd")), str(a.get("newfd"))]
            if a.get("flags"):
                return Call("dup3", [*args, flags(a["flags"])], 3)
            return Call(name, args, 2)
        case "read" | "recv":
            args = [str(fd), moved]
            if "count" in a:
                args.append(str(a["count"]))
            if name == "recv":
                args.append(flags(a.get("flags")))
            return Call(name, args, 1)
        case "write" | "send":
            text = quote(a["buf"], bool(a.get("buf_truncated"))) if "buf" in a else moved
            args = [str(fd), text, str(a.get("count", UNKNOWN))]
            if name == "send":
                args.append(flags(a.get("flags")))
            return Call(name, args, len(args))
        case "sendmsg":
            text = quote(a.get("buf"), bool(a.get("buf_truncated")))
            return Call(name, [str(fd), _iov(text, a.get("count"), a.get("rights")), "0"], 3)
        case "recvmsg":
            msg = _iov(moved, a.get("count"), a.get("received")) if ok else UNKNOWN
            return Call(name, [str(fd), msg, "0"], 1)
        case "execve":
            return Call(name, [quote(a.get("path")), plain(a.get("argv", [])), UNKNOWN], 3)
        case "wait4":
            options = a.get("options") or "0"
            status = wait_status(ev) if done else UNKNOWN
            return Call(name, [str(a.get("pid", -1)), status, options, "NULL"], 1)
        case "exit_group":
            return Call(name, [str(a.get("status", 0))], 1)
        case "clock_nanosleep":
            if "ms" not in a:
                return Call(name, [UNKNOWN], 1)
            sec, ms = divmod(int(a["ms"]), 1000)
            spec = f"{{tv_sec={sec}, tv_nsec={ms * 1_000_000}}}"
            return Call(name, ["CLOCK_REALTIME", "0", spec, "NULL"], 3)
        case "kill":
            return Call(name, [str(a.get("pid")), signal_name(str(a.get("sig")))], 2)
        case "rt_sigaction":
            act = (
                f"{{sa_handler={a.get('handler')}, sa_mask={sigset(a.get('mask', []))}, "
                f"sa_flags={flags(a.get('flags'))}}}"
            )
            return Call(name, [signal_name(str(a.get("sig"))), act, "NULL", "8"], 4)
        case "rt_sigprocmask":
            old = sigset(a["old"]) if "old" in a else UNKNOWN
            return Call(name, [str(a.get("how")), sigset(a.get("set")), old, "8"], 2)
        case "rt_sigsuspend":
            return Call(name, [sigset(a.get("mask")), "8"], 2)
        case "rt_sigtimedwait":
            return Call(name, [sigset(a.get("set")), UNKNOWN, "NULL", "8"], 1)
        case "socketpair":
            fds = plain(a["fds"]) if "fds" in a else UNKNOWN
            return Call(name, [str(a.get("domain")), str(a.get("type")), "0", fds], 3)
        case "socket":
            return Call(name, [str(a.get("domain")), str(a.get("type")), "0"], 3)
        case "bind" | "connect":
            addr = f"{{sa_family=AF_UNIX, sun_path={quote(a.get('path'))}}}"
            return Call(name, [str(fd), addr, UNKNOWN], 3)
        case "accept":
            return Call(name, [str(fd), UNKNOWN, UNKNOWN], 1)
        case "ioctl":
            return Call(name, [str(fd), str(a.get("request")), UNKNOWN], 3)
        case "mmap":
            given = [a.get("length"), a.get("prot"), a.get("flags"), a.get("fd"), a.get("offset")]
            return Call(name, ["NULL", *(str(v if v is not None else 0) for v in given)], 6)
        case "munmap":
            return Call(name, [str(a.get("addr", UNKNOWN)), str(a.get("length", UNKNOWN))], 2)
    values = [plain(v) for k, v in a.items() if not k.endswith("_targets")]
    return Call(name, values, len(values))


def result(ev: dict[str, Any]) -> str:
    """What follows `= `: the return, an error with strace's words for it, or an address."""
    ret = ev["ret"]
    if ret == -1 and ev.get("errno"):
        code = getattr(errno_names, ev["errno"], None)
        words = f" ({os.strerror(code)})" if code is not None else ""
        return f"-1 {ev['errno']}{words}"
    if ev["call"] == "mmap" and ret > 0:
        return hex(ret)
    if ev["call"] == "rt_sigtimedwait" and ret > 0 and "got" in (ev.get("args") or {}):
        return f"{ret} ({signal_name(ev['args']['got'])})"
    return str(ret)
