"""Named pipes (the note's FIFO chapter): a rendezvous by name, and ENXIO."""

from __future__ import annotations

from typing import Any

from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

RENDEZVOUS = c_source("fifo_rendezvous")


def _rendezvous(values: dict[str, Any]) -> dict[str, Any]:
    at = locator(RENDEZVOUS)
    forks = [
        {"op": "fork", "child": "reader", "line": at("(r = fork())")},
        {"op": "fork", "child": "writer", "line": at("(w = fork())")},
    ]
    if values["writer_first"]:
        forks.reverse()  # the writer's open comes first, and it is the one that waits
    return {
        "root": "launcher",
        "procs": {
            "launcher": [
                {"op": "mkfifo", "path": "myfifo", "mode": "0644", "line": at("mkfifo(")},
                *forks,
                {"op": "wait", "child": "reader", "line": at("waitpid(r")},
                {"op": "wait", "child": "writer", "line": at("waitpid(w")},
                {"op": "unlink", "path": "myfifo", "line": at("unlink(")},
                {"op": "exit", "code": 0, "line": at("return 0;", 3)},
            ],
            "reader": [
                {
                    "op": "open",
                    "path": "myfifo",
                    "flags": "O_RDONLY",
                    "name": "rfd",
                    "line": at("int rfd = open("),
                },
                # The C loop, once round and once more: one write comes, then EOF.
                {"op": "read", "fd": "rfd", "count": 64, "line": at("read(rfd")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT_FILENO")},
                {"op": "read", "fd": "rfd", "count": 64, "line": at("read(rfd")},
                {"op": "close", "fd": "rfd", "line": at("close(rfd);")},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
            "writer": [
                {
                    "op": "open",
                    "path": "myfifo",
                    "flags": "O_WRONLY",
                    "name": "wfd",
                    "line": at("int wfd = open("),
                },
                {"op": "write", "fd": "wfd", "data": "hello fifo\n", "line": at("write(wfd")},
                {"op": "close", "fd": "wfd", "line": at("close(wfd);")},
                {"op": "exit", "code": 0, "line": at("return 0;", 2)},
            ],
        },
    }


register(
    Scenario(
        name="fifo-rendezvous",
        chapter="fifo",
        order=20,
        title={"en": "FIFO: a rendezvous by name", "zh": "命名管道 FIFO：凭名字会合"},
        summary={
            "en": "Two processes that share no fd meet at a FIFO's name: the first open waits "
            "in the kernel until the other end opens.",
            "zh": "两个没有共享任何 fd 的进程凭一个 FIFO 的名字会合：先 open 的一方在内核里等待，"
            "直到另一端也打开。",
        },
        notice={
            "en": 'mkfifo makes a name in the directory (file type "p"); the pipe behind it exists '
            "once it is opened. The first open sleeps in the kernel (wchan wait_for_partner) and "
            "has no fd yet; the other end's open wakes it, and both return with an fd on the same "
            "pipe, drawn in the kernel band with its path. From then on it is a pipe: the same ring, "
            "and EOF once the last writer closes.",
            "zh": 'mkfifo 在目录里建立一个名字（文件类型 "p"）；它背后的管道在被打开时才出现。'
            "先 open 的一方在内核里睡眠（wchan 为 wait_for_partner），此时还没有 fd；另一端的 open "
            "唤醒了它，两者都带着同一个管道上的 fd 返回，内核区里画出这个 FIFO，旁边标着它的路径。"
            "此后它就是一个管道：同样的环形缓冲区，最后一个写端关闭后同样读到 EOF。",
        },
        source=RENDEZVOUS,
        build=_rendezvous,
        params=(
            Param(
                "writer_first",
                bool,
                False,
                {"en": "start the writer first", "zh": "先启动写者"},
            ),
        ),
    )
)


ENXIO_C = c_source("fifo_enxio")


def _enxio(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(ENXIO_C)
    write_open = {"path": "myfifo", "flags": "O_WRONLY|O_NONBLOCK", "name": "wfd"}
    return {
        "procs": {
            "process": [
                {"op": "mkfifo", "path": "myfifo", "mode": "0644", "line": at("mkfifo(")},
                {"op": "open", **write_open, "line": at("wfd = open(")},
                {
                    "op": "open",
                    "path": "myfifo",
                    "flags": "O_RDONLY|O_NONBLOCK",
                    "name": "rfd",
                    "line": at("rfd = open("),
                },
                {"op": "open", **write_open, "line": at("wfd = open(", 2)},
                {"op": "unlink", "path": "myfifo", "line": at("unlink(")},
                {"op": "write", "fd": "wfd", "data": "still here\n", "line": at("write(wfd")},
                {"op": "read", "fd": "rfd", "count": 64, "line": at("read(rfd")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT_FILENO")},
                {"op": "close", "fd": "wfd", "line": at("close(wfd);")},
                {"op": "close", "fd": "rfd", "line": at("close(rfd);")},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ]
        }
    }


register(
    Scenario(
        name="fifo-enxio",
        chapter="fifo",
        order=21,
        title={"en": "FIFO: no reader, ENXIO", "zh": "命名管道 FIFO：没有读者时的 ENXIO"},
        summary={
            "en": "A non-blocking open for writing with no reader fails with ENXIO; once a "
            "reader has the FIFO open, the same open works.",
            "zh": "没有读者时，以非阻塞方式打开写端会失败（ENXIO）；有读者打开这个 FIFO 之后，"
            "同样的 open 就成功了。",
        },
        notice={
            "en": "With O_NONBLOCK an open does not wait for its partner: for reading it succeeds "
            "alone, for writing with no reader it fails at once (-1 ENXIO: nobody could read what "
            "it wrote). After unlink the name is gone but the pipe is not: the fds' target ends "
            'in "(deleted)", and the bytes still go through.',
            "zh": "带 O_NONBLOCK 的 open 不等待另一端：以读方式打开可以独自成功；以写方式打开而"
            "没有读者时立即失败（-1 ENXIO：写进去也没有人能读）。unlink 之后名字没有了，管道还在："
            'fd 的目标以 "(deleted)" 结尾，数据照样能通过。',
        },
        source=ENXIO_C,
        build=_enxio,
    )
)
