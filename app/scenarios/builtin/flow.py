"""Flow control in the ring: a full buffer blocks the writer, a smaller ring blocks sooner,
and O_NONBLOCK turns every wait into EAGAIN."""

from __future__ import annotations

from typing import Any

from app.scenarios.builtin.shapes import draining_reader, writer_closing, writer_opening
from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

FULL = c_source("full_buffer")


def _full(p: dict[str, Any]) -> dict[str, Any]:
    at = locator(FULL)
    writes = -(-p["total"] // p["chunk"])
    nonblock = [{"op": "nonblock", "fd": "fd[1]", "line": at("fcntl(fd[1]")}]
    chunks = {"op": "write", "fd": "fd[1]", "size": p["chunk"], "repeat": writes}
    return {
        "procs": {
            "writer": [
                *writer_opening(at, "reader"),
                *(nonblock if p["nonblock"] else []),
                {**chunks, "until_error": True, "line": at("if (write(")},
                *writer_closing(at, "reader"),
            ],
            "reader": draining_reader(at, count=4096, delay_ms=p["reader_delay_ms"]),
        }
    }


register(
    Scenario(
        name="full-buffer",
        order=5,
        title={"en": "A full buffer blocks the writer", "zh": "缓冲区满了，写端阻塞"},
        summary={
            "en": "Write more than the pipe holds: the writer sleeps until the reader frees a page.",
            "zh": "写入超过管道容量的数据：写进程会睡眠，直到读进程腾出一页。",
        },
        notice={
            "en": "The writer blocks in write (wchan pipe_write) once all 16 page slots of the ring are in use: bytes equals what the kernel accepted. Each read of 4096 bytes empties one page and frees its slot, and the blocked write goes on. With O_NONBLOCK on the write end, the write returns what fitted (a partial write) and then -1 EAGAIN instead of waiting.",
            "zh": "当环形队列的 16 个页槽全部被占用时，写进程阻塞在 write 中（wchan 为 pipe_write）：此时缓冲区字节数正是内核接收的数量。读进程每读 4096 字节就清空一页、释放一个槽，阻塞的 write 随之继续。把写端设为非阻塞（O_NONBLOCK）后，write 只写入放得下的部分（部分写入），随后返回 -1 EAGAIN，而不是等待。",
        },
        source=FULL,
        build=_full,
        params=(
            Param(
                "total",
                int,
                100000,
                {"en": "bytes to write", "zh": "写入的总字节数"},
                4096,
                1 << 20,
            ),
            # From 128: the largest total in the smallest chunks stays within a step's
            # repeat limit (8,192 writes) and a run's events.
            Param(
                "chunk",
                int,
                4096,
                {"en": "bytes per write", "zh": "每次 write 的字节数"},
                128,
                65536,
            ),
            Param(
                "reader_delay_ms",
                int,
                300,
                {"en": "reader starts after (ms)", "zh": "读进程延迟（毫秒）"},
                0,
                3000,
            ),
            Param(
                "nonblock",
                bool,
                False,
                {"en": "O_NONBLOCK on the write end", "zh": "写端设为非阻塞（O_NONBLOCK）"},
            ),
        ),
    )
)

SIZE = c_source("pipe_size")


def _size(p: dict[str, Any]) -> dict[str, Any]:
    at = locator(SIZE)
    opening = writer_opening(at, "reader")
    resize = {"op": "pipe_size", "fd": "fd[1]", "size": p["size"], "line": at("F_SETPIPE_SZ, size")}
    return {
        "procs": {
            "writer": [
                opening[0],
                resize,
                *opening[1:],
                {
                    "op": "write",
                    "fd": "fd[1]",
                    "size": 1024,
                    "repeat": 12,
                    "line": at("write(fd[1]"),
                },
                *writer_closing(at, "reader"),
            ],
            "reader": draining_reader(at, count=4096, delay_ms=300),
        }
    }


register(
    Scenario(
        name="pipe-size",
        order=6,
        title={"en": "A ring of one page: F_SETPIPE_SZ", "zh": "只有一页的环形队列：F_SETPIPE_SZ"},
        summary={
            "en": "Shrink the pipe to one page and the same writer blocks after 4096 bytes.",
            "zh": "把管道缩小到一页，同样的写进程写满 4096 字节就阻塞。",
        },
        notice={
            "en": "fcntl(F_SETPIPE_SZ) rounds the size up to whole pages and returns the new capacity. With one slot, four 1024-byte writes fill the page; the fifth blocks until the reader empties it. The capacity is the kernel's, read back with F_GETPIPE_SZ.",
            "zh": "fcntl(F_SETPIPE_SZ) 会把大小向上取整为整页，并返回新的容量。只有一个槽时，四次 1024 字节的写入就填满这一页；第五次阻塞，直到读进程把它读空。容量是用 F_GETPIPE_SZ 从内核读回的。",
        },
        source=SIZE,
        build=_size,
        params=(
            Param(
                "size",
                int,
                4096,
                {"en": "pipe size (bytes)", "zh": "管道大小（字节）"},
                4096,
                65536,
            ),
        ),
    )
)

NONBLOCK = c_source("nonblocking_read")


def _nonblocking(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(NONBLOCK)
    return {
        "procs": {
            "writer": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "reader", "line": at("fork()")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);")},
                {"op": "sleep", "ms": 100, "line": at("usleep(100")},
                {"op": "write", "fd": "fd[1]", "data": "late\n", "line": at("write(fd[1]")},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);")},
                {"op": "wait", "child": "reader", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "reader": [
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 2)},
                {"op": "nonblock", "fd": "fd[0]", "line": at("fcntl(")},
                {"op": "read", "fd": "fd[0]", "count": 64, "line": at("read(", 1)},
                {"op": "sleep", "ms": 200, "line": at("usleep(200")},
                {"op": "read", "fd": "fd[0]", "count": 64, "line": at("read(", 2)},
                {"op": "read", "fd": "fd[0]", "count": 64, "line": at("read(", 3)},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="nonblocking-read",
        order=11,
        title={"en": "Non-blocking read: EAGAIN or EOF", "zh": "非阻塞读：EAGAIN 还是 EOF"},
        summary={
            "en": "With O_NONBLOCK an empty pipe gives EAGAIN while a writer exists, and 0 once none does.",
            "zh": "设置 O_NONBLOCK 后，读空管道时：还有写端就返回 EAGAIN，写端全关了就返回 0。",
        },
        notice={
            "en": "The first read finds the pipe empty but the parent still holds a write end: -1 EAGAIN (try again later), not 0. The second read gets the 5 bytes. The third finds the pipe empty and writers 0: it returns 0, end of file. Empty is not the same as finished.",
            "zh": "第一次 read 时管道为空，但父进程仍持有写端：返回 -1 EAGAIN（稍后再试），而不是 0。第二次 read 读到 5 个字节。第三次 read 时管道为空且写端数为 0：返回 0，即文件末尾。“空”不等于“结束”。",
        },
        source=NONBLOCK,
        build=_nonblocking,
    )
)
