"""Real programs under strace: the C examples compiled with gcc, and shell pipelines.

Each traced C program is the same source a runner scenario shows, so its traced run can be
set beside the runner's step by step. Pipelines are built from the runner's exec allowlist
and run by pipescope's launcher (examples/c/launch.c), never by a shell.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.scenarios.builtin import basics, flow, shell  # noqa: F401  (the scenarios traced here)
from app.scenarios.catalog import Param, Scenario, get, register
from app.scenarios.program import ALLOWED_PROGRAMS, refused
from app.scenarios.source import c_source
from app.strace.build import parameters
from app.strace.source_lines import hints
from app.strace.spec import SpecError, pipeline_stages

# The runner scenarios whose C program is traced too, and the C file each one shows.
TRACED_EXAMPLES = {
    "hello-pipe": "hello_pipe",
    "eof": "eof",
    "forgot-close": "forgot_close",
    "sigpipe": "sigpipe",
    "full-buffer": "full_buffer",
    "shell-pipeline": "shell_pipeline",
}
ALIASES = {"reader_delay_ms": "reader_delay"}  # a parameter's name in the C source
ALL_CALLS = Param(
    "all_calls",
    bool,
    False,
    {
        "en": "show every traced call (the loader's and libc's too)",
        "zh": "显示所有被跟踪的调用（包括加载器和 libc 的）",
    },
)
COMMAND_CHARS = r"^[A-Za-z0-9_.,:=+%@ |-]{1,200}$"
TRACED_NOTE = {
    "en": " Traced: the real program runs freely under strace, so the processes' calls "
    "interleave as the kernel schedules them, not in turns; each state is read from /proc "
    "while strace holds every process still at that call.",
    "zh": " 跟踪模式：真实的程序在 strace 下自由运行，各进程的调用按内核调度交错，而不是轮流进行；"
    "每一步的状态都是在 strace 让所有进程停在该调用时从 /proc 读出的。",
}


def traced_example(runner: Scenario, example: str, order: int) -> Scenario:
    program = runner.program()  # its roles name the traced processes the same way
    known = parameters(example)
    params = tuple(p for p in runner.params if ALIASES.get(p.name, p.name) in known)

    def build(values: dict[str, Any]) -> dict[str, Any]:
        written = {ALIASES.get(p.name, p.name): int(values[p.name]) for p in params}
        steps = runner.program({p.name: values[p.name] for p in params}).model_dump()
        return {
            "example": example,
            "values": written,
            "roles": list(program.procs),
            "all_calls": bool(values["all_calls"]),
            "lines": hints(steps["procs"]),  # the runner's steps know the C lines
        }

    return Scenario(
        name=f"trace-{runner.name}",
        order=100 + order,
        title={
            "en": f"{runner.title['en']} (the real C program, under strace)",
            "zh": f"{runner.title['zh']}（strace 跟踪真实的 C 程序）",
        },
        summary=runner.summary,
        notice={lang: runner.notice[lang] + TRACED_NOTE[lang] for lang in TRACED_NOTE},
        source=c_source(example),
        build=build,
        params=(*params, ALL_CALLS),
        limits=runner.limits,
        backend="strace",
    )


def pipeline(values: dict[str, Any]) -> dict[str, Any]:
    try:
        stages = pipeline_stages(values["command"])
    except SpecError as err:  # told as a parameter error, naming the field
        if err.refusal is not None:  # with the message's key, for the page to word it
            raise refused(err.refusal, values["command"], ("command",)) from None
        # Its key as the error's type, so a page words it from the values in its language.
        error = PydanticCustomError(err.key, str(err), err.values)
        raise ValidationError.from_exception_data(
            "trace-pipeline-params",
            [InitErrorDetails(type=error, loc=("command",), input=values["command"])],
        ) from None
    return {"pipeline": stages, "all_calls": bool(values["all_calls"])}


def shell_source(command: str, example: str) -> str:
    """The command as typed, then the C of what a shell does for it (pipescope's launcher
    does the same, with no shell; its own set-up calls are hidden from the trace)."""
    return f"$ {command}\n\n" + c_source(example)


for n, (runner_name, example) in enumerate(TRACED_EXAMPLES.items()):
    runner = get(runner_name)  # registered: its module is imported above
    assert runner is not None, runner_name
    register(traced_example(runner, example, n))

register(
    Scenario(
        name="trace-yes-head",
        chapter="shell",
        order=110,
        title={"en": "yes | head -n 3, under strace", "zh": "strace 跟踪 yes | head -n 3"},
        summary={
            "en": "head takes three lines and leaves; yes, still writing, dies of SIGPIPE.",
            "zh": "head 读走三行就退出；仍在写的 yes 被 SIGPIPE 杀死。",
        },
        notice={
            "en": "yes writes 8 KiB at a time into the pipe. Once head has printed its three "
            "lines it closes the read end and exits: readers drop to 0, and yes's next write "
            "returns EPIPE with SIGPIPE, whose default action kills it. That is how a pipeline "
            "stops a producer that would never stop by itself." + TRACED_NOTE["en"],
            "zh": "yes 每次向管道写 8 KiB。head 打印完三行就关闭读端并退出：读端数降为 0，"
            "yes 的下一次 write 返回 EPIPE 并收到 SIGPIPE，其默认动作把它杀死。"
            "管道就是这样让一个永不停止的生产者停下来的。" + TRACED_NOTE["zh"],
        },
        source=shell_source("yes | head -n 3", "yes_head"),
        build=lambda values: {
            "pipeline": [["yes"], ["head", "-n", "3"]],
            "all_calls": bool(values["all_calls"]),
        },
        params=(ALL_CALLS,),
        backend="strace",
    )
)

register(
    Scenario(
        name="trace-pipeline",
        chapter="shell",
        order=111,
        title={"en": "Your own pipeline, under strace", "zh": "strace 跟踪你自己的管道命令"},
        summary={
            "en": "Compose a pipeline from "
            + ", ".join(ALLOWED_PROGRAMS)
            + ": `ls | wc -l`, `echo hi | cat`, `seq 100 | sort -r | head -n 3` ...",
            "zh": "用 "
            + "、".join(ALLOWED_PROGRAMS)
            + " 组合管道：`ls | wc -l`、`echo hi | cat`、`seq 100 | sort -r | head -n 3` ……",
        },
        notice={
            "en": "For each |, the shell makes a pipe, forks each command, and dup2s the pipe's "
            "write end onto the left command's fd 1 and its read end onto the right command's "
            "fd 0, then closes its own copies. The programs never know: they write to stdout "
            "and read from stdin." + TRACED_NOTE["en"],
            "zh": "每遇到一个 |，shell 就创建一个管道，为每条命令 fork 一个进程，"
            "用 dup2 把管道写端放到左边命令的 fd 1、读端放到右边命令的 fd 0，再关闭自己的副本。"
            "程序本身毫不知情：它们只是写标准输出、读标准输入。" + TRACED_NOTE["zh"],
        },
        source=shell_source("COMMAND | COMMAND ...", "pipeline"),
        build=pipeline,
        params=(
            Param(
                "command",
                str,
                "ls | wc -l",
                {"en": "the pipeline", "zh": "管道命令"},
                pattern=COMMAND_CHARS,
            ),
            ALL_CALLS,
        ),
        backend="strace",
    )
)
