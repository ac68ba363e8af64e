"""Compiled student programs, kept by the hash of their source: the same source compiles once.

Each entry is a folder named by the hash, holding the program (`prog`) and its line table
(`lines.json`, from the binary's debug info). An entry appears whole, by rename, so runs
compiling the same source at once never see half of one. The cache is bounded in entries
and bytes; past either, the entries used least recently (a hit touches its folder) go first.
It lives beside the C examples' cache (app/strace/build.py), readable by every run's uid:
a run's strace reads the program it execs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.strace import build

PROGRAM = "prog"
LINES = "lines.json"
FLAGS_VERSION = "1"  # part of the key: new compiler flags make new entries


@dataclass(frozen=True)
class Entry:
    folder: Path

    @property
    def program(self) -> Path:
        return self.folder / PROGRAM

    def lines(self) -> list[list[int]]:
        data: list[list[int]] = json.loads((self.folder / LINES).read_text())
        return data


def key(source: str) -> str:
    return hashlib.sha256(f"{FLAGS_VERSION}\0{source}".encode()).hexdigest()[:32]


def root() -> Path:
    """The first cache folder of the C examples' that can be written here, then `pasted`."""
    for folder in build.cache_dirs():
        try:
            (folder / "pasted").mkdir(parents=True, exist_ok=True)
            os.chmod(folder / "pasted", 0o755)
            return folder / "pasted"
        except OSError:
            continue
    raise OSError("no folder to keep compiled programs in")


def find(source: str, top: Path | None = None) -> Entry | None:
    folder = (top or root()) / key(source)
    if (folder / PROGRAM).is_file() and (folder / LINES).is_file():
        os.utime(folder)  # used now: the last to be evicted
        return Entry(folder)
    return None


def put(source: str, program: bytes, lines: list[list[int]], limits: dict[str, Any]) -> Entry:
    top = root()
    folder = top / key(source)
    tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=top))
    try:
        (tmp / PROGRAM).write_bytes(program)
        (tmp / LINES).write_text(json.dumps(lines))
        os.chmod(tmp / PROGRAM, 0o755)  # readable by the run's uid (see build.compile_to)
        os.chmod(tmp / LINES, 0o644)
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, folder)
        except OSError:  # another run put the same source first: theirs is as good
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    evict(top, int(limits["cache_count"]), int(limits["cache_mb"]) << 20, keep=folder.name)
    return Entry(folder)


def evict(top: Path, most: int, most_bytes: int, keep: str = "") -> list[str]:
    """Remove the least recently used entries until at most `most` and `most_bytes` stay."""
    entries = []
    for folder in top.iterdir():
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        entries.append((folder.stat().st_mtime, folder.name, size))
    entries.sort()
    total = sum(size for _, _, size in entries)
    gone = []
    while entries and (len(entries) > most or total > most_bytes):
        _, name, size = entries.pop(0)
        if name == keep and entries:
            entries.append((float("inf"), name, size))
            continue
        if name == keep:
            break
        shutil.rmtree(top / name, ignore_errors=True)
        total -= size
        gone.append(name)
    return gone
