"""`ls | wc -l` the way a shell does it: pipe, fork twice, dup2 onto 1 and 0, close, execvp."""

from __future__ import annotations

from typing import Any

from app.scenarios.catalog import Scenario, register
from app.scenarios.source import c_source, locator

PIPELINE = c_source("shell_pipeline")


def _pipeline(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(PIPELINE)

    def stage(nth: int, end: str, std: int, argv: list[str]) -> list[dict[str, Any]]:
        return [
            {"op": "dup2", "fd": end, "to": std, "line": at("dup2(", nth)},
            {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", nth)},
            {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", nth)},
            {"op": "exec", "argv": argv, "line": at("execvp(", nth)},
        ]

    return {
        "procs": {
            "shell": [
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "fork", "child": "ls", "line": at("fork()", 1)},
                {"op": "fork", "child": "wc", "line": at("fork()", 2)},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);", 3)},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);", 3)},
                {"op": "wait", "child": "ls", "line": at("wait(NULL);", 1)},
                {"op": "wait", "child": "wc", "line": at("wait(NULL);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
            "ls": stage(1, "fd[1]", 1, ["ls"]),
            "wc": stage(2, "fd[0]", 0, ["wc", "-l"]),
        }
    }


register(
    Scenario(
        name="shell-pipeline",
        chapter="shell",
        order=9,
        title={"en": "ls | wc -l, the way a shell does it", "zh": "shell 如何实现 ls | wc -l"},
        summary={
            "en": "pipe, two forks, dup2 onto stdout and stdin, close the originals, execvp.",
            "zh": "pipe、两次 fork、dup2 到标准输出和标准输入、关闭原来的描述符、execvp。",
        },
        notice={
            "en": "After dup2, ls's fd 1 and wc's fd 0 point at the pipe: the programs just write to stdout and read from stdin, and never know. Every other end is closed, the shell's too, so wc sees EOF when ls exits, and prints how many entries the directory has.",
            "zh": "dup2 之后，ls 的 fd 1 和 wc 的 fd 0 都指向管道：程序只管写标准输出、读标准输入，完全不知道管道的存在。其余的端都已关闭（包括 shell 自己的），所以 ls 退出后 wc 读到 EOF，并打印出目录中的条目数。",
        },
        source=PIPELINE,
        build=_pipeline,
    )
)
