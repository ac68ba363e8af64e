"""Shared memory: mappings and the loads, stores and waits on them (mmap, msync, munmap).

Everything goes through libc, as a C program's would: `mmap` returns a real address, a load
or a store is a copy at that address, and a semaphore is glibc's own `sem_t` lying in the
mapping (pshared), so a waiter sleeps in the kernel's futex wait and a post wakes it. Python's
mmap module would hide the address and take its own copies.

A process's mappings are module state, not the object's: fork copies the address space,
and with it this table, as a child in C inherits its parent's pointers.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
from dataclasses import dataclass
from typing import Any

from app.runner.escape import escape, runs
from app.runner.ops.base import OpsBase, Result

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = (
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_libc.msync.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_libc.sem_init.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_uint)
_libc.sem_wait.argtypes = (ctypes.c_void_p,)
_libc.sem_post.argtypes = (ctypes.c_void_p,)
MAP_FAILED = ctypes.c_void_p(-1).value
MS_FLAGS = {"MS_ASYNC": 1, "MS_SYNC": 4}
PAGE = mmap.PAGESIZE
WIDTHS = (1, 2, 4, 8)


@dataclass
class Mapping:
    addr: int
    size: int


MAPS: dict[str, Mapping] = {}  # this process's mappings by name (inherited by fork)
LAST_LOAD: list[int] = [0]  # the value the last load read, as a C local would hold it


def checked(ret: int) -> int:
    """A libc call's return, raising its errno as OSError on -1."""
    if ret == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def find(name: str, offset: int = 0, length: int = 0) -> Mapping:
    """The mapping, if the process has it and the range lies inside. In C a stray pointer
    faults (SIGSEGV); here the step fails with EFAULT, as a system call given one would, so
    no memory the run does not know of is ever touched."""
    found = MAPS.get(name)
    if found is None or offset + length > found.size:
        raise OSError(errno.EFAULT, os.strerror(errno.EFAULT))
    return found


def seen(data: bytes) -> dict[str, Any]:
    """What a load or store moved: the escaped bytes and runs, as a read's, and its hex."""
    preview, cut = escape(data)
    value = int.from_bytes(data, "little") if len(data) in WIDTHS else None
    return {"data": preview, "cut": cut, "runs": runs(data), "hex": data.hex(), "value": value}


class SharedMemoryOps(OpsBase):
    def op_mmap(self, step: dict[str, Any], line: int | None) -> None:
        name, size, backing = step["name"], step["size"], step["backing"]
        fd = -1
        if backing == "memfd":
            fd = self.call("memfd_create", {"name": name, "flags": 0}, line, new_fd(name))
        elif backing == "file":
            args = {"path": step["path"], "flags": "O_RDWR|O_CREAT", "mode": "0600"}
            fd = self.call("openat", args, line, opened(step["path"]))
        if backing != "anon":
            if fd < 0:
                return
            args = {"fd": fd, "length": size}
            if self.call("ftruncate", args, line, returns(lambda: os.ftruncate(fd, size))) < 0:
                return
        share = "MAP_SHARED" if step["share"] == "shared" else "MAP_PRIVATE"
        flags = (mmap.MAP_SHARED if step["share"] == "shared" else mmap.MAP_PRIVATE) | (
            mmap.MAP_ANONYMOUS if backing == "anon" else 0
        )

        def map_it() -> Result:
            prot = mmap.PROT_READ | mmap.PROT_WRITE
            addr = _libc.mmap(None, size, prot, flags, fd, 0)
            if addr in (None, MAP_FAILED):
                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err))
            MAPS[name] = Mapping(addr, size)
            return addr, {"args": {"addr": hex(addr)}}

        args = {
            "map": name,
            "length": size,
            "prot": "PROT_READ|PROT_WRITE",
            "flags": share + ("|MAP_ANONYMOUS" if backing == "anon" else ""),
            "fd": fd,
            "offset": 0,
            "backing": backing,
        }
        self.call("mmap", args, line, map_it)
        if step.get("close_fd") and fd >= 0:
            self.call("close", {"fd": fd}, line, returns(lambda: os.close(fd)))

    def op_load(self, step: dict[str, Any], line: int | None) -> None:
        name, offset, length = step["map"], step["offset"], step["length"]

        def load() -> Result:
            data = ctypes.string_at(find(name, offset, length).addr + offset, length)
            got = seen(data)
            if got["value"] is not None:
                LAST_LOAD[0] = got["value"]
            return length, {**got, "args": {"hex": got.pop("hex"), "value": got.pop("value")}}

        self.call("load", {"map": name, "offset": offset, "length": length}, line, load)

    def op_store(self, step: dict[str, Any], line: int | None) -> None:
        name, offset, length = step["map"], step["offset"], step["length"]

        def payload() -> bytes:
            if step.get("data") is not None:
                return str(step["data"]).encode()
            value = int(
                step["value"] if step.get("value") is not None else LAST_LOAD[0] + step["add"]
            )
            return bytes((value % (1 << (8 * length))).to_bytes(length, "little"))

        def store() -> Result:
            data = payload()
            ctypes.memmove(find(name, offset, length).addr + offset, data, length)
            got = seen(data)
            return length, {**got, "args": {"hex": got.pop("hex"), "value": got.pop("value")}}

        args: dict[str, Any] = {"map": name, "offset": offset, "length": length}
        if step.get("from_load"):
            args["from_load"], args["add"] = True, step["add"]
        self.call("store", args, line, store)

    def op_msync(self, step: dict[str, Any], line: int | None) -> None:
        name, flag = step["map"], step["flags"]

        def msync() -> Result:
            found = find(name)
            return checked(_libc.msync(found.addr, found.size, MS_FLAGS[flag])), {}

        self.call("msync", {"map": name, "flags": flag}, line, msync)

    def op_munmap(self, step: dict[str, Any], line: int | None) -> None:
        name = step["map"]

        def munmap() -> Result:
            found = find(name)
            checked(_libc.munmap(found.addr, found.size))
            del MAPS[name]
            return 0, {"args": {"addr": hex(found.addr), "length": found.size}}

        self.call("munmap", {"map": name}, line, munmap)

    def op_sem_init(self, step: dict[str, Any], line: int | None) -> None:
        self.sem(step, line, "sem_init", lambda at: _libc.sem_init(at, 1, step["value"]))

    def op_sem_wait(self, step: dict[str, Any], line: int | None) -> None:
        self.sem(step, line, "sem_wait", _libc.sem_wait)

    def op_sem_post(self, step: dict[str, Any], line: int | None) -> None:
        self.sem(step, line, "sem_post", _libc.sem_post)

    def sem(self, step: dict[str, Any], line: int | None, call: str, fn: Any) -> None:
        """A glibc semaphore call on the sem_t at offset (pshared: it may be in a mapping
        other processes share). sem_wait on 0 sleeps in the kernel's futex wait."""
        name, offset = step["map"], step["offset"]

        def do() -> Result:
            at = find(name, offset, 32).addr + offset
            return checked(fn(at)), {"args": {"addr": hex(at)}}

        args = {"map": name, "offset": offset}
        if call == "sem_init":
            args |= {"pshared": 1, "value": step["value"]}
        self.call(call, args, line, do)


def new_fd(name: str) -> Any:
    return lambda: (os.memfd_create(name, 0), {})  # flags 0, as C's: not close-on-exec


def opened(path: str) -> Any:
    def openat() -> Result:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.set_inheritable(fd, True)  # C's open: not close-on-exec (Python's os.open is)
        return fd, {}

    return openat


def returns(fn: Any) -> Any:
    def call() -> Result:
        fn()
        return 0, {}

    return call
