"""The seed note's demo and the first rules it states: EOF, a forgotten close, SIGPIPE."""

from __future__ import annotations

from typing import Any

from app.scenarios.builtin.shapes import draining_reader, writer_closing, writer_opening
from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

HELLO = c_source("hello_pipe")


def _hello(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(HELLO)
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("ret = pipe(fd);")},
                {"op": "fork", "child": "child", "line": at("pid = fork();")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]); //the parent")},
                {"op": "write", "fd": "fd[1]", "data": "hello pipe\n", "line": at("write(fd[1]")},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]); //the parent")},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
            "child": [
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]); //the child")},
                {"op": "read", "fd": "fd[0]", "count": 1024, "line": at("ret = read(")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT_FILENO")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 2)},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="hello-pipe",
        order=1,
        title={"en": "hello pipe", "zh": "hello pipe：父写子读"},
        summary={
            "en": 'The study note\'s first demo: the parent writes "hello pipe\\n" into a pipe, the child reads it.',
            "zh": '学习笔记里的第一个示例：父进程向管道写入 "hello pipe\\n"，子进程读出。',
        },
        notice={
            "en": "After fork both processes hold fd 3 (read end) and fd 4 (write end) of the same "
            "pipe. Each closes the end it does not use, so one reader and one writer remain. The "
            "11 bytes sit in the kernel buffer until the child's read takes them: read once, gone.",
            "zh": "fork 之后父子进程都持有同一个管道的 fd 3（读端）和 fd 4（写端）。各自关闭不用的一端，"
            "只剩一个读端和一个写端。这 11 个字节留在内核缓冲区里，直到子进程 read 把它们取走：读走就没了。",
        },
        source=HELLO,
        build=_hello,
    )
)


EOF_C = c_source("eof")


def _eof(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(EOF_C)
    writes = [("one ", '"one "'), ("two ", '"two "'), ("three\n", '"three')]
    return {
        "procs": {
            "parent": [
                *writer_opening(at, "child"),
                *({"op": "write", "fd": "fd[1]", "data": d, "line": at(s)} for d, s in writes),
                *writer_closing(at, "child"),
            ],
            "child": draining_reader(at, count=16),
        }
    }


register(
    Scenario(
        name="eof",
        order=2,
        title={"en": "End of file", "zh": "读到文件末尾（EOF）"},
        summary={
            "en": "read returns 0 only when every write end of the pipe is closed.",
            "zh": "只有当管道的所有写端都关闭后，read 才返回 0。",
        },
        notice={
            "en": "Each read returns what is in the buffer at that moment, not a whole message. "
            "When the parent closes the last write end (writers 0), the reader's next read "
            "returns 0: end of file.",
            "zh": "每次 read 返回的是当时缓冲区里已有的数据，而不是一条完整的消息。"
            "父进程关闭最后一个写端（写端数为 0）后，子进程下一次 read 返回 0：文件末尾。",
        },
        source=EOF_C,
        build=_eof,
    )
)

FORGOT = c_source("forgot_close")


def _forgot(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(FORGOT)
    return {
        "procs": {
            "parent": [
                *writer_opening(at, "child"),
                {"op": "write", "fd": "fd[1]", "data": "hello pipe\n", "line": at("write(")},
                *writer_closing(at, "child"),
            ],
            "child": draining_reader(at, count=1024, closes_write_end=False),
        }
    }


register(
    Scenario(
        name="forgot-close",
        order=3,
        title={"en": "Forgot to close the write end", "zh": "忘记关闭写端"},
        summary={
            "en": "A reader that keeps its own write end open never sees EOF.",
            "zh": "读进程自己还持有写端，就永远等不到 EOF。",
        },
        notice={
            "en": "The parent closed its write end, yet writers is still 1: the child's own fd 4. "
            "The kernel cannot know the child will never write, so read blocks forever and the "
            "run ends at its time limit with both processes stuck.",
            "zh": "父进程已经关闭了写端，但写端数仍是 1：子进程自己的 fd 4。"
            "内核无法知道子进程永远不会写，所以 read 一直阻塞，运行在时间上限时结束，两个进程都卡住了。",
        },
        source=FORGOT,
        build=_forgot,
        limits={"wall_s": 2},
    )
)

SIGPIPE_C = c_source("sigpipe")


def _sigpipe(params: dict[str, Any]) -> dict[str, Any]:
    at = locator(SIGPIPE_C)

    ignore = [{"op": "sigpipe", "action": "ignore", "line": at("signal(SIGPIPE")}]
    perror = [
        {"op": "write", "fd": 2, "data": "write: Broken pipe\n", "line": at("perror(")},
        {"op": "exit", "code": 1, "line": at("return 1;")},
    ]
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "child", "line": at("fork()")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);")},
                {"op": "wait", "child": "child", "line": at("waitpid(")},
                *(ignore if params["ignore_sigpipe"] else []),
                {"op": "write", "fd": "fd[1]", "data": "anyone?\n", "line": at("if (write(")},
                *(perror if params["ignore_sigpipe"] else []),
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
            "child": [
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 2)},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="sigpipe",
        order=4,
        title={"en": "Writing with no reader: SIGPIPE", "zh": "没有读端时写入：SIGPIPE"},
        summary={
            "en": "A write to a pipe with no read end open kills the writer with SIGPIPE.",
            "zh": "向没有读端的管道写数据，写进程会被 SIGPIPE 杀死。",
        },
        notice={
            "en": "readers is 0 when the parent writes. The kernel returns EPIPE and sends SIGPIPE, "
            "whose default action kills the process: it never gets to check the error. "
            "With ignore_sigpipe on, the write returns -1 with errno EPIPE instead.",
            "zh": "父进程写入时读端数为 0。内核返回 EPIPE 并发送 SIGPIPE，其默认动作是终止进程："
            "进程根本来不及检查错误。打开 ignore_sigpipe 后，write 返回 -1，errno 为 EPIPE。",
        },
        source=SIGPIPE_C,
        build=_sigpipe,
        params=(
            Param(
                "ignore_sigpipe",
                bool,
                False,
                {"en": "ignore SIGPIPE (signal(SIGPIPE, SIG_IGN))", "zh": "忽略 SIGPIPE"},
            ),
        ),
    )
)
