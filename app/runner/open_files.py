"""The middle layer of the run's world: its open files, with ids that last while they do.

kcmp (app/kernel/files.py) says which fds share one open file at this moment; this names
each file so the page can draw the same box across steps. A file keeps its id while any fd
that held it before still holds it (same process, fd and object: a pipe's or a FIFO's id, else
the fd's target, so a FIFO's file keeps its id when its path is unlinked); a file no fd carries over
is new and gets the next number. Files are never merged or split by the kernel, so a file
whose fds all changed is a new one.
"""

from __future__ import annotations

from typing import Any

from app.kernel import files, procfs

Member = tuple[int, int, str]  # (pid, fd, object)

FLAG_NAMES = (
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o1000000, "O_NOATIME"),
)


def flag_names(flags: int) -> list[str]:
    access = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR"}.get(flags & procfs.O_ACCMODE, "O_RDWR")
    return [access, *(name for bit, name in FLAG_NAMES if flags & bit)]


class OpenFiles:
    def __init__(self) -> None:
        self.known: dict[Member, str] = {}  # each fd of the last snapshot -> its file's id
        self.count = 0
        self.kcmp_calls = 0  # over the run, for the benchmark

    def assemble(
        self, tables: list[tuple[int, list[dict[str, Any]], dict[int, int]]]
    ) -> list[dict[str, Any]] | None:
        """The open files behind `tables` ((pid, fd rows, flags by fd) per live process);
        each row gains `file`. None when the kernel refuses to say (every row's file: None)."""
        wanted = [
            ((pid, row["fd"]), row["pipe"] or row["target"], flags[row["fd"]] & ~procfs.O_CLOEXEC)
            for pid, rows, flags in tables
            for row in rows
        ]
        rows_by_ref = {(pid, row["fd"]): row for pid, rows, _ in tables for row in rows}
        for row in rows_by_ref.values():
            row["file"] = None
        try:
            found, calls = files.group(wanted)
        except files.Refused:
            self.known = {}
            return None
        self.kcmp_calls += calls
        ids = self.name(found)
        out = []
        for file, file_id in zip(found, ids, strict=True):
            target, flags = file.key  # the object: a pipe's or FIFO's id, else the target
            first = rows_by_ref[file.refs[0]]
            for ref in file.refs:
                rows_by_ref[ref]["file"] = file_id
            out.append(
                {
                    "id": file_id,
                    "object": target,
                    "end": first["end"],
                    "flags": flag_names(flags),
                    "nonblock": bool(flags & procfs.O_NONBLOCK),
                    "refs": [{"pid": pid, "fd": fd} for pid, fd in file.refs],
                }
            )
        return sorted(out, key=lambda f: int(f["id"][1:]))  # oldest first: boxes keep their place

    def name(self, found: list[files.Found]) -> list[str]:
        """An id for each file: the old one it carries the most fds of, else a new one."""
        ids: list[str | None] = [None] * len(found)
        claims: list[tuple[int, int, str]] = []  # (fds carried over, index, old id)
        for i, file in enumerate(found):
            tally: dict[str, int] = {}
            for pid, fd in file.refs:
                old = self.known.get((pid, fd, file.key[0]))
                if old is not None:
                    tally[old] = tally.get(old, 0) + 1
            claims.extend((n, i, old) for old, n in tally.items())
        taken: set[str] = set()
        for _, i, old in sorted(claims, key=lambda c: (-c[0], c[1])):
            if ids[i] is None and old not in taken:
                ids[i] = old
                taken.add(old)
        final = []
        for file_id in ids:
            if file_id is None:
                self.count += 1
                file_id = f"f{self.count}"
            final.append(file_id)
        self.known = {
            (pid, fd, file.key[0]): file_id
            for file, file_id in zip(found, final, strict=True)
            for pid, fd in file.refs
        }
        return final
