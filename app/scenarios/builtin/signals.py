"""Signals: the cheapest IPC, and how little it carries. Each with C's semantics (a C
handler, libc calls that return EINTR), read from /proc/PID/status at every event."""

from __future__ import annotations

from typing import Any

from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

DONT_QUEUE = c_source("signals_dont_queue")


def _dont_queue(params: dict[str, Any]) -> dict[str, Any]:
    at = locator(DONT_QUEUE)
    sig = "SIGRTMIN+1" if params["realtime"] else "SIGUSR1"
    kills = [
        {"op": "kill", "to": "child", "signal": sig, "line": at("kill(pid, sig);", n)}
        for n in (1, 2, 3)
    ]
    return {
        "procs": {
            "parent": [
                {"op": "sigaction", "signal": sig, "handler": "handler", "line": at("sigaction(")},
                {
                    "op": "sigprocmask",
                    "how": "SIG_BLOCK",
                    "signals": [sig],
                    "line": at("sigprocmask(SIG_BLOCK"),
                },
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "child", "line": at("pid = fork();")},
                *kills,
                {"op": "write", "fd": "fd[1]", "data": "go", "line": at('write(fd[1], "go"')},
                {"op": "wait", "child": "child", "line": at("waitpid(")},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
            "child": [
                {"op": "read", "fd": "fd[0]", "count": 2, "line": at("read(fd[0]")},
                {
                    "op": "sigprocmask",
                    "how": "SIG_UNBLOCK",
                    "signals": [sig],
                    "line": at("sigprocmask(SIG_UNBLOCK"),
                },
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="signals-dont-queue",
        order=60,
        chapter="signal",
        title={"en": "Signals don't queue", "zh": "信号不排队"},
        summary={
            "en": "Three SIGUSR1 sent while blocked leave one pending bit: the handler runs once. "
            "Real-time signals queue: three runs.",
            "zh": "在被阻塞期间发送三次 SIGUSR1，只留下一个待决位：处理函数只运行一次。"
            "实时信号会排队：运行三次。",
        },
        notice={
            "en": "Watch the child's pending set: the first kill sets SIGUSR1 in it, the next two "
            "find it set already and are merged into it (a bit, not a count). When the child "
            "unblocks SIGUSR1 the handler runs once, and while it runs SIGUSR1 is in the mask. "
            "Sent as SIGRTMIN+1 (real-time) instead, it is queued three times and the handler runs three times.",
            "zh": "看子进程的待决集合：第一次 kill 把 SIGUSR1 置入，后两次发现它已经在了，"
            "于是合并进去（那只是一位，不是计数）。子进程解除对 SIGUSR1 的阻塞后，处理函数只运行一次，"
            "运行期间 SIGUSR1 在屏蔽字里。改发实时信号 SIGRTMIN+1 时，它排队三次，处理函数运行三次。",
        },
        source=DONT_QUEUE,
        build=_dont_queue,
        params=(
            Param(
                "realtime",
                bool,
                False,
                {"en": "send SIGRTMIN+1 (real-time) instead", "zh": "改发 SIGRTMIN+1（实时信号）"},
            ),
        ),
    )
)

ZOMBIES = c_source("sigchld_zombies")


def _zombies(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(ZOMBIES)
    children = ("first", "second", "third")
    return {
        "procs": {
            "parent": [
                {
                    "op": "sigaction",
                    "signal": "SIGCHLD",
                    "handler": "handler",
                    "flags": ["SA_RESTART"],
                    "line": at("sigaction("),
                },
                {
                    "op": "sigprocmask",
                    "how": "SIG_BLOCK",
                    "signals": ["SIGCHLD"],
                    "line": at("sigprocmask(SIG_BLOCK"),
                },
                *({"op": "fork", "child": c, "line": at("if (fork() == 0)")} for c in children),
                {"op": "sleep", "ms": 200, "line": at("usleep(")},
                {
                    "op": "sigprocmask",
                    "how": "SIG_UNBLOCK",
                    "signals": ["SIGCHLD"],
                    "line": at("sigprocmask(SIG_UNBLOCK"),
                },
                {"op": "wait", "nohang": True, "until_done": True, "line": at("while (waitpid(")},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
            **{
                c: [{"op": "exit", "code": n, "line": at("_exit(i);")}]
                for n, c in enumerate(children, 1)
            },
        }
    }


register(
    Scenario(
        name="sigchld-zombies",
        order=61,
        chapter="signal",
        title={"en": "SIGCHLD and zombies", "zh": "SIGCHLD 与僵尸进程"},
        summary={
            "en": "Three children exit: three zombies, but one SIGCHLD. A waitpid(WNOHANG) loop "
            "reaps them all.",
            "zh": "三个子进程退出：三个僵尸进程，却只有一个 SIGCHLD。用 waitpid(WNOHANG) 循环才能全部回收。",
        },
        notice={
            "en": "Each exit leaves a zombie (its exit status kept for the parent) and sends the "
            "parent SIGCHLD; the parent blocks it, so the second and third merge into the one "
            "already pending. Unblocked, the handler runs once for three exits: a handler that "
            "reaped one child per SIGCHLD would leave two zombies. The loop reaps until waitpid "
            "says ECHILD: no child is left.",
            "zh": "每个子进程退出都留下一个僵尸（为父进程保留退出状态），并向父进程发送 SIGCHLD；"
            "父进程阻塞了它，所以第二个和第三个合并进已经待决的那一个。解除阻塞后，三次退出只让处理函数"
            "运行一次：每收到一个 SIGCHLD 只回收一个子进程的写法会留下两个僵尸。循环一直回收，"
            "直到 waitpid 返回 ECHILD：一个子进程也不剩了。",
        },
        source=ZOMBIES,
        build=_zombies,
    )
)

EINTR_C = c_source("handler_eintr")


def _eintr(params: dict[str, Any]) -> dict[str, Any]:
    at = locator(EINTR_C)
    flags = ["SA_RESTART"] if params["restart"] else []
    perror = [
        {"op": "write", "fd": 2, "data": "read: Interrupted system call\n", "line": at("perror(")}
    ]
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "child", "line": at("pid = fork();")},
                {"op": "sleep", "ms": 50, "line": at("usleep(")},
                {"op": "kill", "to": "child", "signal": "SIGUSR1", "line": at("kill(pid")},
                {"op": "write", "fd": "fd[1]", "data": "late\n", "line": at("write(fd[1]")},
                {"op": "wait", "child": "child", "line": at("waitpid(")},
                {"op": "exit", "code": 0, "line": at("return 0;", 2)},
            ],
            "child": [
                {
                    "op": "sigaction",
                    "signal": "SIGUSR1",
                    "handler": "handler",
                    "flags": flags,
                    "line": at("sigaction("),
                },
                {"op": "read", "fd": "fd[0]", "count": 16, "line": at("if (read(")},
                *([] if params["restart"] else perror),
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="handler-eintr",
        order=62,
        chapter="signal",
        title={"en": "A handler interrupts a read: EINTR", "zh": "处理函数打断 read：EINTR"},
        summary={
            "en": "A signal caught while read sleeps makes it return -1 EINTR; with SA_RESTART the "
            "kernel restarts it and it returns the data.",
            "zh": "read 睡眠时捕获到信号，read 返回 -1 EINTR；设置 SA_RESTART 后内核会重启它，它最终返回数据。",
        },
        notice={
            "en": "The child sleeps in read on an empty pipe. The kill wakes it to run its "
            "handler, and the handler's run comes before the read's return. Without SA_RESTART "
            "the read gives up: -1, errno EINTR, and the parent's late bytes are never read. "
            "With SA_RESTART in sa_flags, the kernel puts the read back to sleep and it returns the 5 bytes.",
            "zh": "子进程在空管道上的 read 里睡眠。kill 唤醒它去运行处理函数，处理函数的运行在 read "
            "返回之前。没有 SA_RESTART 时 read 放弃：返回 -1，errno 为 EINTR，父进程后来写的字节永远没人读。"
            "在 sa_flags 中设置 SA_RESTART 后，内核让 read 重新睡下，它最终返回那 5 个字节。",
        },
        source=EINTR_C,
        build=_eintr,
        params=(
            Param(
                "restart",
                bool,
                False,
                {"en": "SA_RESTART in sa_flags", "zh": "在 sa_flags 中设置 SA_RESTART"},
            ),
        ),
    )
)

STOP_CONT = c_source("stop_cont")


def _stop_cont(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(STOP_CONT)
    return {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "child", "line": at("pid = fork();")},
                {"op": "sleep", "ms": 50, "line": at("usleep(", 1)},
                {
                    "op": "kill",
                    "to": "child",
                    "signal": "SIGSTOP",
                    "line": at("kill(pid, SIGSTOP)"),
                },
                {"op": "sleep", "ms": 50, "line": at("usleep(", 2)},
                {
                    "op": "kill",
                    "to": "child",
                    "signal": "SIGCONT",
                    "line": at("kill(pid, SIGCONT)"),
                },
                {"op": "write", "fd": "fd[1]", "data": "x", "line": at("write(fd[1]")},
                {"op": "wait", "child": "child", "line": at("waitpid(")},
                {"op": "exit", "code": 0, "line": at("return 0;", 2)},
            ],
            "child": [
                {"op": "read", "fd": "fd[0]", "count": 16, "line": at("read(fd[0]")},
                {"op": "write", "fd": 1, "data": "resumed\n", "line": at("write(STDOUT")},
                {"op": "exit", "code": 0, "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="stop-cont",
        order=63,
        chapter="signal",
        title={"en": "Stop and continue", "zh": "暂停与继续"},
        summary={
            "en": "SIGSTOP stops a process (state T) wherever it is; SIGCONT lets it go on.",
            "zh": "SIGSTOP 让进程在任何地方停下（状态 T）；SIGCONT 让它继续。",
        },
        notice={
            "en": "SIGSTOP cannot be caught, blocked or ignored: the child, asleep in read, is "
            "stopped (state T in /proc, wchan do_signal_stop) and runs nothing until SIGCONT. "
            "Then it goes back to sleep in the same read, which the parent's byte ends.",
            "zh": "SIGSTOP 不能被捕获、阻塞或忽略：在 read 里睡眠的子进程被暂停（/proc 中状态为 T，"
            "wchan 为 do_signal_stop），在 SIGCONT 之前什么也不运行。之后它回到同一个 read 里继续睡，"
            "直到父进程写入的一个字节结束它。",
        },
        source=STOP_CONT,
        build=_stop_cont,
    )
)
