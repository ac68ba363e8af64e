"""Who holds which end: siblings, two readers, two writers, one pipe each way, a byte stream."""

from __future__ import annotations

from typing import Any

from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

ATOMIC = c_source("atomic_writes")


def _atomic(p: dict[str, Any]) -> dict[str, Any]:
    at = locator(ATOMIC)

    def writer(fill: str) -> list[dict[str, Any]]:
        return [
            {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 1 if fill == "A" else 2)},
            {
                "op": "write",
                "fd": "fd[1]",
                "size": p["size"],
                "fill": fill,
                "repeat": p["writes"],
                "line": at("write(fd, data"),
            },
            {"op": "exit", "line": at("return 0;", 1 if fill == "A" else 2)},
        ]

    return {
        "procs": {
            "reader": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "writer_a", "line": at("fork()", 1)},
                {"op": "fork", "child": "writer_b", "line": at("fork()", 2)},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);")},
                {"op": "sleep", "ms": 200, "line": at("usleep(")},
                {
                    "op": "read",
                    "fd": "fd[0]",
                    "count": 4096,
                    "until_eof": True,
                    "line": at("read("),
                },
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 3)},
                {"op": "wait", "child": "writer_a", "line": at("wait(NULL);", 1)},
                {"op": "wait", "child": "writer_b", "line": at("wait(NULL);", 2)},
                {"op": "exit", "line": at("return 0;", 3)},
            ],
            "writer_a": writer("A"),
            "writer_b": writer("B"),
        }
    }


register(
    Scenario(
        name="atomic-writes",
        order=7,
        title={
            "en": "Two writers: atomic up to PIPE_BUF",
            "zh": "两个写进程：PIPE_BUF 以内是原子的",
        },
        summary={
            "en": "Writes of at most PIPE_BUF (4096) bytes arrive whole; larger ones may be cut by another writer.",
            "zh": "不超过 PIPE_BUF（4096）字节的写入总是完整到达；更大的写入可能被另一个写进程打断。",
        },
        notice={
            "en": "Together the two writers send 128 KiB, twice what the pipe holds: they fill it and both block in write. Each time the reader frees a page, a waiting writer goes on. With writes of 4096 bytes or less, every write lands whole: the bytes come as whole runs of 4096 A or B. Set the write size above 4096 (8192 is enough) and runs are cut: a big write that had to wait was split, and the other writer's bytes came between its parts.",
            "zh": "两个写进程一共写 128 KiB，是管道容量的两倍：它们把管道写满，然后都阻塞在 write 中。读进程每腾出一页，就有一个等待的写进程继续写。每次写入不超过 4096 字节时，每次写入都完整到达：数据总是以整段 4096 个 A 或 B 出现。把写入大小设为超过 4096（8192 就够），整段就会被切开：一次需要等待的大写入被拆成几部分，另一个写进程的数据插在中间。",
        },
        source=ATOMIC,
        build=_atomic,
        params=(
            Param(
                "size", int, 4096, {"en": "bytes per write", "zh": "每次 write 的字节数"}, 1, 65536
            ),
            Param(
                # 16: two writers' 64 KiB each pass the pipe's 64 KiB, so both must wait.
                "writes",
                int,
                16,
                {"en": "writes per writer", "zh": "每个写进程的写入次数"},
                1,
                64,
            ),
        ),
    )
)

SIBLINGS = c_source("siblings")


def _siblings(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(SIBLINGS)
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "elder", "line": at("fork()", 1)},
                {"op": "fork", "child": "younger", "line": at("fork()", 2)},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 3)},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 3)},
                {"op": "wait", "child": "elder", "line": at("wait(NULL);", 1)},
                {"op": "wait", "child": "younger", "line": at("wait(NULL);", 2)},
                {"op": "exit", "line": at("return 0;", 3)},
            ],
            "elder": [
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 1)},
                {"op": "write", "fd": "fd[1]", "data": "hi, sibling\n", "line": at("write(fd[1]")},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 1)},
                {"op": "exit", "line": at("return 0;", 1)},
            ],
            "younger": [
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 2)},
                {"op": "read", "fd": "fd[0]", "count": 64, "line": at("read(")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 2)},
                {"op": "exit", "line": at("return 0;", 2)},
            ],
        }
    }


register(
    Scenario(
        name="siblings",
        order=8,
        title={"en": "Siblings share their parent's pipe", "zh": "兄弟进程通过父进程的管道通信"},
        summary={
            "en": "Two children talk through a pipe their parent made; the parent closes both of its ends.",
            "zh": "两个子进程通过父进程创建的管道通信；父进程关闭自己的两端。",
        },
        notice={
            "en": "A pipe needs a common ancestor: both children inherited fds 3 and 4 from the parent's fork. The parent uses neither end, so it closes both: otherwise its write end would keep the reader from ever seeing EOF.",
            "zh": "管道只能用于有公共祖先的进程：两个子进程都是通过 fork 从父进程继承了 fd 3 和 fd 4。父进程不使用任何一端，所以把两端都关闭：否则它持有的写端会让读进程永远等不到 EOF。",
        },
        source=SIBLINGS,
        build=_siblings,
    )
)

ONCE = c_source("read_once")


def _once(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(ONCE)

    def reader(nth: int) -> list[dict[str, Any]]:
        return [
            {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", nth)},
            {"op": "read", "fd": "fd[0]", "count": 4, "until_eof": True, "line": at("read(", nth)},
            {"op": "exit", "line": at("return 0;", nth)},
        ]

    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "write", "fd": "fd[1]", "data": "AAAABBBBCCCCDDDD", "line": at("write(")},
                {"op": "fork", "child": "reader1", "line": at("fork()", 1)},
                {"op": "fork", "child": "reader2", "line": at("fork()", 2)},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);")},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 3)},
                {"op": "wait", "child": "reader1", "line": at("wait(NULL);", 1)},
                {"op": "wait", "child": "reader2", "line": at("wait(NULL);", 2)},
                {"op": "exit", "line": at("return 0;", 3)},
            ],
            "reader1": reader(1),
            "reader2": reader(2),
        }
    }


register(
    Scenario(
        name="read-once",
        order=12,
        title={"en": "Data is read once", "zh": "数据只能读一次"},
        summary={
            "en": "Two readers share one read end: each byte goes to one of them only.",
            "zh": "两个读进程共享同一个读端：每个字节只会被其中一个读到。",
        },
        notice={
            "en": "The 16 bytes sit in the buffer before anyone reads. The readers take turns: one gets `AAAA`, the other `BBBB`, and so on. Every read removes what it returns; no byte is seen twice, and together they read 16 bytes, no more.",
            "zh": "这 16 个字节在任何人读之前就已在缓冲区里。两个读进程轮流读：一个读到 `AAAA`，另一个读到 `BBBB`，依此类推。每次 read 都会把读到的数据从管道中取走；没有字节被读到两次，两者加起来正好读到 16 个字节。",
        },
        source=ONCE,
        build=_once,
    )
)

TWO = c_source("two_pipes")


def _two(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(TWO)
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "req", "line": at("pipe(req);")},
                {"op": "pipe", "name": "rep", "line": at("pipe(rep);")},
                {"op": "fork", "child": "child", "line": at("fork()")},
                {"op": "close", "fd": "req[0]", "line": at("close(req[0]);")},
                {"op": "close", "fd": "rep[1]", "line": at("close(rep[1]);")},
                {"op": "write", "fd": "req[1]", "data": "ping\n", "line": at("write(req[1]")},
                {"op": "read", "fd": "rep[0]", "count": 64, "line": at("read(rep[0]")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT")},
                {"op": "close", "fd": "req[1]", "line": at("close(req[1]);", 1)},
                {"op": "close", "fd": "rep[0]", "line": at("close(rep[0]);", 1)},
                {"op": "wait", "child": "child", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "child": [
                {"op": "close", "fd": "req[1]", "line": at("close(req[1]);", 2)},
                {"op": "close", "fd": "rep[0]", "line": at("close(rep[0]);", 2)},
                {"op": "read", "fd": "req[0]", "count": 64, "line": at("read(req[0]")},
                {"op": "write", "fd": "rep[1]", "data": "pong\n", "line": at("write(rep[1]")},
                {"op": "close", "fd": "req[0]", "line": at("close(req[0]);", 2)},
                {"op": "close", "fd": "rep[1]", "line": at("close(rep[1]);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="two-pipes",
        order=10,
        title={"en": "Half-duplex: one pipe each way", "zh": "半双工：每个方向一个管道"},
        summary={
            "en": "A pipe flows one way, so a request and its reply need two pipes.",
            "zh": "管道是单向的，所以一问一答需要两个管道。",
        },
        notice={
            "en": "`req` carries `ping` from parent to child, `rep` carries `pong` back. Each process closes the two ends it does not use, leaving one writer and one reader per pipe. The parent's read on `rep` blocks until the child has answered.",
            "zh": "`req` 把 `ping` 从父进程送到子进程，`rep` 把 `pong` 送回来。每个进程都关闭自己不用的两端，使每个管道只剩一个写端和一个读端。父进程在 `rep` 上的 read 会阻塞，直到子进程回复。",
        },
        source=TWO,
        build=_two,
    )
)

SHORT = c_source("short_read")


def _short(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(SHORT)
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "child", "line": at("fork()")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);")},
                {"op": "write", "fd": "fd[1]", "data": "first\n", "line": at('"first')},
                {"op": "write", "fd": "fd[1]", "data": "second\n", "line": at('"second')},
                {"op": "write", "fd": "fd[1]", "data": "third\n", "line": at('"third')},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);")},
                {"op": "wait", "child": "child", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "child": [
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 2)},
                {"op": "sleep", "ms": 100, "line": at("usleep(")},
                {"op": "read", "fd": "fd[0]", "count": 1024, "line": at("read(")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="short-read",
        order=13,
        title={"en": "A byte stream, not messages", "zh": "字节流，而不是消息"},
        summary={
            "en": "The reader asks for 1024 bytes and gets what is there: three writes come back as one read.",
            "zh": "读进程请求 1024 字节，得到的是管道里现有的数据：三次写入被一次读出。",
        },
        notice={
            "en": "Three writes of 6, 7 and 6 bytes land in one page of the ring. One read returns all 19: a pipe keeps bytes in order but not the boundaries between writes. A program that needs messages must mark them itself (a newline, a length).",
            "zh": "三次分别为 6、7、6 字节的写入落在环形队列的同一页里。一次 read 就返回全部 19 个字节：管道保证字节的顺序，但不保留写入之间的边界。需要“消息”的程序必须自己标记边界（换行符或长度）。",
        },
        source=SHORT,
        build=_short,
    )
)
