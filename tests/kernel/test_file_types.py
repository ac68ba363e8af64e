"""Each fd row's type is the note's seven file types, read from the kernel for this test's
own fds of every kind (the same reader the runner uses, on a process of the test's own)."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.kernel import procfs


def a_block_device() -> str | None:
    for entry in sorted(os.listdir("/dev")):
        path = f"/dev/{entry}"
        if stat.S_ISBLK(os.lstat(path).st_mode):
            return path
    return None


@pytest.fixture
def fds(tmp_path: Path) -> Iterator[dict[str, int]]:
    (tmp_path / "file").write_text("x")
    os.symlink("file", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    r, w = os.pipe()
    left, right = socket.socketpair()
    opened = {
        "regular": os.open(tmp_path / "file", os.O_RDONLY),
        "directory": os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY),
        "symlink": os.open(tmp_path / "link", os.O_PATH | os.O_NOFOLLOW),
        "char": os.open("/dev/null", os.O_RDONLY),
        "fifo": os.open(tmp_path / "fifo", os.O_RDWR),
        "pipe": r,
        "socket": left.fileno(),
        "anon": os.eventfd(0),
    }
    block = a_block_device()
    if block is not None:
        opened["block"] = os.open(block, os.O_PATH)  # O_PATH: no permission to read needed
    yield opened
    for name, fd in opened.items():
        if name != "socket":
            os.close(fd)
    os.close(w)
    left.close()
    right.close()


def test_every_fd_says_which_of_the_seven_types_its_target_is(fds: dict[str, int]) -> None:
    rows = {row["fd"]: row for row in procfs.fd_table(os.getpid()) or []}
    want = {
        "regular": "regular",
        "directory": "directory",
        "symlink": "symlink",
        "char": "char",
        "block": "block",
        "fifo": "fifo",
        "pipe": "fifo",  # an anonymous pipe is a FIFO too, as ls -l's `p` says
        "socket": "socket",
        "anon": None,  # an anonymous inode has no type
    }
    for name, fd in fds.items():
        assert rows[fd]["type"] == want[name], (name, rows[fd])
    named, anonymous = rows[fds["fifo"]], rows[fds["pipe"]]
    assert named["kind"] == "fifo" and named["pipe"] == f"fifo:[{os.stat(named['target']).st_ino}]"
    assert named["end"] == "both" and anonymous["kind"] == "pipe"
    assert rows[fds["regular"]]["kind"] == "file" and rows[fds["regular"]]["pipe"] is None


def test_a_fifo_keeps_its_id_when_unlinked(fds: dict[str, int], tmp_path: Path) -> None:
    before = {row["fd"]: row for row in procfs.fd_table(os.getpid()) or []}[fds["fifo"]]
    os.unlink(tmp_path / "fifo")
    after = {row["fd"]: row for row in procfs.fd_table(os.getpid()) or []}[fds["fifo"]]
    assert after["target"] == before["target"] + " (deleted)"
    assert (after["kind"], after["pipe"]) == ("fifo", before["pipe"])
