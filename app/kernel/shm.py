"""Shared memory as the kernel shows it: the run's mappings, their bytes, their pages.

Only the mappings a scenario made are shown, never the interpreter's heap or libraries: the
supervisor notes where each `mmap` landed (its return), copies the note to a fork's child,
drops it at `munmap` or exec, and asks the kernel about exactly those addresses (vma.py).

- **One row per backing object.** A shared mapping is its shmem or file inode (maps: a
  shared anonymous one reads `/dev/zero (deleted)`, a memfd `/memfd:NAME (deleted)`): the
  same inode in two processes is one row with two views. A private mapping is its own
  object from the mmap that made it; after fork both processes' views are its row, and
  pagemap tells whether each page is still one (copy on write) or has split.
- **Bytes without side effects.** A shared row's bytes are a pread of its backing file,
  opened through /proc/PID/map_files (CAP_SYS_ADMIN), else through an fd a process holds on
  it (pidfd_getfd), else from /proc/PID/mem for pages pagemap says are present: reading a
  present page faults nothing in. /proc/PID/mem on an absent page would fault it into the
  target (its Rss changes), so an absent page is read only where its contents are known
  without it: zeros, for an anonymous private page. Otherwise null.
- **Pages** from /proc/PID/pagemap: present, mapped once only (`exclusive`, readable without
  privilege), and the frame where the reader has CAP_SYS_ADMIN (else null). Resident and
  shared counts come from these, not from smaps (several times dearer, for every mapping
  of the process: BENCHMARKS.md).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from app.kernel import pipes, procfs
from app.kernel.vma import PAGE, Vma, Vmas, page, pagemap, pread_path

SHOWN = 64  # bytes of a mapping the state carries (the page draws these)
FUTEX_WCHAN = re.compile(r"futex_\w*wait\w*$")


@dataclass(frozen=True)
class Made:
    """One mmap a scenario process made, as its return told the supervisor."""

    name: str
    start: int
    size: int
    share: str  # shared | private
    backing: str  # anon | memfd | file
    origin: str  # the row a private mapping is: the pid and address of its mmap


class Mappings:
    """What the scenario's processes mapped: where each mmap landed, in each process."""

    def __init__(self) -> None:
        self.made: dict[int, dict[int, Made]] = {}  # pid -> start -> mapping

    def note(self, pid: int, call: str, args: dict[str, Any], ret: int) -> None:
        """A call that returned successfully: mmap and munmap change the table; fork copies
        it to the child (ret), as the kernel copies the address space."""
        if call == "mmap" and "backing" in args:
            share = "shared" if "MAP_SHARED" in args["flags"] else "private"
            origin = f"[{pid}@{ret:x}]"
            made = Made(args["map"], ret, args["length"], share, args["backing"], origin)
            self.made.setdefault(pid, {})[ret] = made
        elif call == "munmap" and "addr" in args:
            self.made.get(pid, {}).pop(int(args["addr"], 16), None)
        elif call == "fork" and self.made.get(pid):
            self.made[ret] = dict(self.made[pid])

    def rows(self, procs: list[Any]) -> list[dict[str, Any]]:
        """One row per mapping the live procs (supervisor's Proc records) hold."""
        rows: dict[str, dict[str, Any]] = {}
        tables: dict[int, list[dict[str, Any]]] = {p.pid: p.fds for p in procs}
        pidfds: dict[int, int | None] = {p.pid: p.pidfd for p in procs}
        for proc in procs:
            made = self.made.get(proc.pid)
            if not made:
                continue
            if proc.program:  # exec'd: a new address space, none of these in it
                del self.made[proc.pid]
                continue
            with Vmas(proc.pid) as vmas:
                for start, m in made.items():
                    line = vmas.at(start)
                    if vmas.readable and line is None:
                        continue  # gone from its address space (unmapped unseen)
                    row_id = f"private:{m.origin}" if m.share == "private" else shared_id(line, m)
                    row = rows.setdefault(row_id, new_row(row_id, m, line))
                    row["views"].append(view(proc, m, line))
        for row in rows.values():
            self.fill(row, tables, pidfds)
        return sorted(rows.values(), key=lambda r: str(r["id"]))

    def fill(
        self,
        row: dict[str, Any],
        tables: dict[int, list[dict[str, Any]]],
        pidfds: dict[int, int | None],
    ) -> None:
        """Its bytes, and for a private row each view's and whether each page has split."""
        size = row["size"]
        if row["share"] == "shared":
            data = backing_bytes(row, tables, pidfds)
            if data is None:
                data = present_bytes(row["views"], size)
            row["bytes"] = data[:SHOWN].hex() if data is not None else None
        else:
            for v in row["views"]:
                data = private_bytes(v, size, row)
                v["bytes"] = data[:SHOWN].hex() if data is not None else None
            row["split"] = split_pages(row["views"]) if len(row["views"]) > 1 else None


def shared_id(line: Vma | None, m: Made) -> str:
    """The backing object's inode, as maps and fds show it (`/dev/zero (deleted)` is the
    shmem file behind a shared anonymous mapping, not /dev/zero)."""
    return f"mmap:[{line.inode}]" if line is not None else f"mmap:{m.origin}"


def new_row(row_id: str, m: Made, line: Vma | None) -> dict[str, Any]:
    path = (line.path or None) if line else None
    return {
        "id": row_id,
        "name": m.name,
        "share": m.share,
        "backing": m.backing,
        "path": path,
        "inode": (line.inode or None) if line else None,
        "size": m.size,
        "pages": -(-m.size // PAGE),
        "bytes": None,
        "changed": [],
        "split": None,
        "views": [],
    }


def view(proc: Any, m: Made, line: Vma | None) -> dict[str, Any]:
    npages = -(-m.size // PAGE)
    pm = pagemap(proc.pid, m.start, npages)
    pages = [page(entry) for entry in pm] if pm is not None else None
    out: dict[str, Any] = {
        "pid": proc.pid,
        "start": hex(m.start),
        # The VMA's own end (map_files is named by it), unless the kernel merged the mapping
        # with a neighbour: then where this mapping ends.
        "end": hex(line.end if line and line.start == m.start else m.start + npages * PAGE),
        "perms": line.perms if line else None,
        "bytes": None,
        "changed": [],
        "pages": pages,
        "resident": sum(p["present"] for p in pages) if pages is not None else None,
        "shared": sum(p["present"] and not p["exclusive"] for p in pages) if pages else None,
        "waiting_at": None,
    }
    blocked = proc.blocked_on or {}
    if FUTEX_WCHAN.search(blocked.get("wchan") or ""):
        addr = futex_addr(proc.pid)
        if addr is not None and m.start <= addr < m.start + m.size:
            out["waiting_at"] = addr - m.start
    return out


def backing_bytes(
    row: dict[str, Any],
    tables: dict[int, list[dict[str, Any]]],
    pidfds: dict[int, int | None],
) -> bytes | None:
    """A pread of the shmem or file behind the row: through map_files, or an fd on it."""
    for v in row["views"]:
        got = pread_path(
            f"/proc/{v['pid']}/map_files/{v['start'][2:]}-{v['end'][2:]}", row["size"], 0
        )
        if got is not None:
            return pad(got, row["size"])
    if row["path"] is None:
        return None
    for pid, fds in tables.items():
        pidfd = pidfds.get(pid)
        for fd_row in fds:
            if fd_row["target"] != row["path"] or pidfd is None:
                continue
            try:
                fd = pipes.pidfd_getfd(pidfd, fd_row["fd"])
            except OSError:
                continue
            try:
                if os.fstat(fd).st_ino == row["inode"]:
                    return pad(os.pread(fd, row["size"], 0), row["size"])
            except OSError:
                pass
            finally:
                os.close(fd)
    return None


def pad(data: bytes, size: int) -> bytes:
    """Past a file's end a mapping reads zeros (up to its page; beyond, SIGBUS)."""
    return data + bytes(size - len(data))


def present_bytes(views: list[dict[str, Any]], size: int) -> bytes | None:
    """A shared row's bytes from /proc/PID/mem, each page from a view where it is present
    (no fault, so no side effect); None if some page is present in no view."""
    out = bytearray()
    for index in range(-(-size // PAGE)):
        at = next((v for v in views if present(v, index)), None)
        got = read_mem(at, index, size) if at is not None else None
        if got is None:
            return None
        out += got
    return bytes(out[:size])


def private_bytes(v: dict[str, Any], size: int, row: dict[str, Any]) -> bytes | None:
    """A private view's bytes: its present pages from /proc/PID/mem; an absent page of an
    anonymous mapping is zeros (what a fault would give); of a file's, unknown."""
    out = bytearray()
    for index in range(-(-size // PAGE)):
        if present(v, index):
            got = read_mem(v, index, size)
        elif v["pages"] is not None and row["backing"] == "anon":
            got = bytes(min(PAGE, size - index * PAGE))
        else:
            got = None
        if got is None:
            return None
        out += got
    return bytes(out)


def present(v: dict[str, Any], index: int) -> bool:
    pages = v["pages"]
    return pages is not None and bool(pages[index]["present"])


def read_mem(v: dict[str, Any], index: int, size: int) -> bytes | None:
    start = int(v["start"], 16) + index * PAGE
    count = min(PAGE, size - index * PAGE)
    got = pread_path(f"/proc/{v['pid']}/mem", count, start)
    return got if got is not None and len(got) == count else None


def split_pages(views: list[dict[str, Any]]) -> list[bool | None]:
    """For each page of a private mapping held by several processes: False while it is one
    page (copy on write not yet broken: the same frame, or mapped more than once), True
    once each has its own, None when the kernel does not say (a page absent in a view)."""
    out: list[bool | None] = []
    for index in range(len(views[0]["pages"] or [])):
        found = [v["pages"][index] if v["pages"] else None for v in views]
        pages = [p for p in found if p is not None and p["present"]]
        if len(pages) < len(views):
            out.append(None)
        elif all(p["frame"] for p in pages):
            out.append(len({p["frame"] for p in pages}) > 1)
        elif all(p["exclusive"] for p in pages):
            out.append(True)
        elif not any(p["exclusive"] for p in pages):
            out.append(False)
        else:
            out.append(None)
    return out


def futex_addr(pid: int) -> int | None:
    """The address a process sleeps on in futex(2), its first argument (/proc/PID/syscall)."""
    text = (procfs.read_text(f"/proc/{pid}/syscall") or "").split()
    if len(text) < 2 or text[0] != "202":  # futex on x86-64
        return None
    return int(text[1], 16)


def gone(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Mappings the last event took away (the last view unmapped, or its process gone)."""
    alive = {row["id"] for row in after.get("mappings", [])}
    return [row for row in before.get("mappings", []) if row["id"] not in alive]


def mark_changed(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Fill `changed` in after's rows and views: the byte ranges [offset, length], among
    those shown, that differ from the same row's (or view's) in the event before. Called
    once per event sent, with the state sent before it, so a page highlights a store from
    that event alone."""
    old: dict[tuple[str, int | None], str | None] = {}
    for row in before.get("mappings", []):
        old[(row["id"], None)] = row["bytes"]
        for v in row["views"]:
            old[(row["id"], v["pid"])] = v["bytes"]
    for row in after.get("mappings", []):
        row["changed"] = ranges(old.get((row["id"], None)), row["bytes"])
        for v in row["views"]:
            v["changed"] = ranges(old.get((row["id"], v["pid"])), v["bytes"])


def ranges(before: str | None, after: str | None) -> list[list[int]]:
    if before is None or after is None or before == after:
        return []
    out: list[list[int]] = []
    for i, (a, b) in enumerate(zip(bytes.fromhex(before), bytes.fromhex(after), strict=False)):
        if a != b:
            if out and out[-1][0] + out[-1][1] == i:
                out[-1][1] += 1
            else:
                out.append([i, 1])
    return out
