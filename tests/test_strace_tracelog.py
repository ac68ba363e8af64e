"""The lock-step log: each write of the writer is read while the writer waits on it."""

from __future__ import annotations

import subprocess
import sys
import time

from app.kernel import procfs
from app.strace.tracelog import TraceLog

WRITER = """
import os
os.write(2, b"first ")
os.write(2, b"x" * 10000)  # longer than the log's one page: it goes in page by page
os.write(2, b" last\\n")
"""


def test_every_write_is_taken_once_while_its_writer_waits_on_it() -> None:
    log = TraceLog()
    writer = subprocess.Popen([sys.executable, "-S", "-c", WRITER], stderr=log.w)
    log.started(writer.pid)
    taken: list[bytes] = []
    waits = 0
    while (state := log.state()) != "gone":
        if state != "pending":
            time.sleep(0.0005)
            continue
        waits += 1
        # the writer sleeps in pipe_write: it cannot have gone past this write
        assert procfs.PIPE_WCHAN.search(procfs.wchan(writer.pid))
        data = log.pending()
        if data is not None:
            taken.append(data)
        log.release()
    writer.wait()
    log.close()
    assert taken == [b"first ", b"x" * 10000, b" last\n"]
    assert waits > len(taken)  # the long write waited once a page, and was taken only once
