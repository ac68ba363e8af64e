"""One mapping of another process, as the kernel keeps it: its VMA, its pages, its bytes.

`/proc/PID/maps` prints every mapping of the process, and a Python process has about 180
(its libraries): reading it all costs hundreds of microseconds, for the one or two lines a
lesson made. Since Linux 6.11 the `PROCMAP_QUERY` ioctl on that same file answers for one
address (start, end, permissions, inode, the name maps would print): that is asked first,
and maps is read and searched only where the kernel does not know the ioctl.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import struct
from dataclasses import dataclass

PAGE = 4096
PM_PRESENT, PM_EXCLUSIVE, PFN_MASK = 1 << 63, 1 << 56, (1 << 55) - 1
MAPS_LINE = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ (\d+)[ \t]*(.*)$", re.M)
_libc = ctypes.CDLL(None, use_errno=True)


class _Query(ctypes.Structure):
    """struct procmap_query (include/uapi/linux/fs.h)."""

    _fields_ = (
        ("size", ctypes.c_uint64),
        ("query_flags", ctypes.c_uint64),
        ("query_addr", ctypes.c_uint64),
        ("vma_start", ctypes.c_uint64),
        ("vma_end", ctypes.c_uint64),
        ("vma_flags", ctypes.c_uint64),
        ("vma_page_size", ctypes.c_uint64),
        ("vma_offset", ctypes.c_uint64),
        ("inode", ctypes.c_uint64),
        ("dev_major", ctypes.c_uint32),
        ("dev_minor", ctypes.c_uint32),
        ("vma_name_size", ctypes.c_uint32),
        ("build_id_size", ctypes.c_uint32),
        ("vma_name_addr", ctypes.c_uint64),
        ("build_id_addr", ctypes.c_uint64),
    )


PROCMAP_QUERY = (3 << 30) | (ctypes.sizeof(_Query) << 16) | (ord("f") << 8) | 17  # _IOWR
NAME_MAX = 4096


@dataclass(frozen=True)
class Vma:
    start: int
    end: int
    perms: str  # as maps prints them: rw-s, rw-p
    inode: int
    path: str  # what maps prints after the inode: "/dev/zero (deleted)", or ""


class Vmas:
    """The VMAs of one process, asked for one address at a time. Use as a context manager;
    `readable` is False when the kernel refused /proc/PID/maps."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.lines: list[Vma] | None = None  # maps, read once, where the ioctl is unknown
        try:
            self.fd: int | None = os.open(f"/proc/{pid}/maps", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.fd = None
        self.readable = self.fd is not None
        self.name = ctypes.create_string_buffer(NAME_MAX)

    def __enter__(self) -> Vmas:
        return self

    def __exit__(self, *_: object) -> None:
        if self.fd is not None:
            os.close(self.fd)

    def at(self, addr: int) -> Vma | None:
        """The VMA holding addr, or None when nothing is mapped there (or maps is refused)."""
        if self.fd is None:
            return None
        if self.lines is None:
            query = _Query(size=ctypes.sizeof(_Query), query_addr=addr)
            query.vma_name_size, query.vma_name_addr = NAME_MAX, ctypes.addressof(self.name)
            if _libc.ioctl(self.fd, PROCMAP_QUERY, ctypes.byref(query)) == 0:
                return Vma(
                    query.vma_start,
                    query.vma_end,
                    perms(query.vma_flags),
                    query.inode,
                    self.name.value.decode("utf-8", "replace"),
                )
            if ctypes.get_errno() != errno.ENOTTY:
                return None  # ENOENT: nothing there
            self.lines = parse(read_all(self.fd))
        return next((v for v in self.lines if v.start <= addr < v.end), None)


def perms(flags: int) -> str:
    """PROCMAP_QUERY_VMA_{READABLE, WRITABLE, EXECUTABLE, SHARED}, as maps spells them."""
    bits = "".join(c if flags & bit else "-" for c, bit in (("r", 1), ("w", 2), ("x", 4)))
    return bits + ("s" if flags & 8 else "p")


def parse(text: str) -> list[Vma]:
    return [
        Vma(int(m[1], 16), int(m[2], 16), m[3], int(m[5]), m[6]) for m in MAPS_LINE.finditer(text)
    ]


def read_all(fd: int) -> str:
    """A seq file read to its end (one read may return only its first page)."""
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:
        return ""
    return b"".join(chunks).decode("utf-8", "replace")


def pagemap(pid: int, start: int, npages: int) -> list[int] | None:
    """The pagemap entries of npages pages from start; None when refused."""
    raw = pread_path(f"/proc/{pid}/pagemap", 8 * npages, start // PAGE * 8)
    if raw is None or len(raw) != 8 * npages:
        return None
    return list(struct.unpack(f"<{npages}Q", raw))


def page(entry: int) -> dict[str, object]:
    """One pagemap entry: present, mapped by one process only, and its frame (0 from the
    kernel unless the reader has CAP_SYS_ADMIN: then null)."""
    present = bool(entry & PM_PRESENT)
    frame = entry & PFN_MASK if present else 0
    return {"present": present, "exclusive": bool(entry & PM_EXCLUSIVE), "frame": frame or None}


def pread_path(path: str, count: int, offset: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.pread(fd, count, offset)
    except OSError:
        return None
    finally:
        os.close(fd)
