"""The second line: what a run may ask its programs to do, tried as an attacker would, over
the real REST API (a real `python -m app`), for a composed program and a traced pipeline.

Each allowlisted program's dangerous options (the issue's, and the ones its own `--help`
lists) are refused in every form getopt would take them: long, abbreviated, short, joined
to other short options; and so are operands naming files outside the run's directory or
files a program would write. The safe forms the scenarios and the README use still run to
their end. Then, as properties: any argv drawn from a program's table passes; and a random
argv passes only if the program itself (its own option list, parsed as GNU getopt does)
would read nothing in it but options and operands the table allows.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from typing import Any

import pytest
from service_client import ROOT, Client
from terminal import terminal_text

from app import i18n
from app.scenarios import argv as arguments
from app.scenarios import commands_doc
from app.scenarios.commands import COMMANDS, Command, Option, Value
from app.workdir import RUN_FILES

INPUT = "".join(f"{w}\n" for w in ("pipe", "fork", "read", "pipe", "close"))


# -- how each attempt reaches exec ---------------------------------------------------------
def composed(argv: list[str]) -> dict[str, Any]:
    """A parent writes INPUT into a pipe; its child reads the pipe as stdin and execs argv:
    step 3 of `child`, so argv[i] is `program.procs.child.3.exec.argv.i`."""
    return {
        "program": {
            "root": "parent",
            "procs": {
                "parent": [
                    {"op": "pipe", "name": "p"},
                    {"op": "fork", "child": "child"},
                    {"op": "close", "fd": "p[0]"},
                    {"op": "write", "fd": "p[1]", "data": INPUT},
                    {"op": "close", "fd": "p[1]"},
                    {"op": "wait", "child": "child"},
                ],
                "child": [
                    {"op": "dup2", "fd": "p[0]", "to": 0},
                    {"op": "close", "fd": "p[0]"},
                    {"op": "close", "fd": "p[1]"},
                    {"op": "exec", "argv": argv},
                ],
            },
        }
    }


def traced(argv: list[str]) -> dict[str, Any]:
    command = "cat words.txt | " + " ".join(argv)
    return {"scenario": "trace-pipeline", "params": {"command": command}}


# -- the attacks ----------------------------------------------------------------------------
# (argv, index of the argument at fault, what the message must name)
ISSUE = [
    (["sort", "-S", "1k", "-T", ".", "--compress-program=sh"], 1, "-S"),
    (["sort", "--compress-program=sh"], 1, "runs another program"),
    (["sort", "--files0-from=words.txt"], 1, "--files0-from"),
    (["wc", "--files0-from=words.txt"], 1, "--files0-from"),
    (["wc", "--files0-from=-"], 1, "--files0-from"),  # names built by tr, read from stdin
    (["sort", "--files0-from", "-"], 1, "--files0-from"),
    (["grep", "-f", "words.txt", "notes.md"], 1, "-f"),
    (["tee", "hello.c"], 1, "write"),
    (["tee", "-a", "hello.c"], 1, "-a"),
    (["sort", "-o", "hello.c"], 1, "-o"),
    (["ls", "-R", "/"], 1, "-R"),
    (["ls", "/"], 1, "run's own directory"),
    (["cat", "/etc/shadow"], 1, "run's own directory"),
    (["head", "/proc/self/environ"], 1, "run's own directory"),
    (["cat", "../../etc/passwd"], 1, "run's own directory"),
    (["grep", "-r", "pipe"], 1, "-r"),
    (["grep", "-R", "pipe"], 1, "-R"),
    (["grep", "-d", "recurse", "pipe", "notes.md"], 1, "-d"),
    (["uniq", "words.txt", "notes.md"], 2, "write"),
    (["sort", "-rT."], 1, "-T"),
    (["sort", "-So"], 1, "-S"),
    (["sort", "-ofile"], 1, "-o"),
    (["sort", "-k", "-o"], 2, "-k"),
    (["head", "-n", "3", "--", "-n"], 4, "run's own directory"),
    (["echo", "--compress-program=sh"], 1, "WORD"),
    (["ls", "--dereference"], 1, "symbolic links"),
    (["ls", "-L"], 1, "symbolic links"),
    (["cat", "-"], None, ""),  # stdin: allowed, a control for the cases above
]


def forms(command: Command) -> list[tuple[list[str], int, str]]:
    """Each refused option of the table as getopt would take it: in full, abbreviated, as a
    short option apart and joined to an allowed flag before it."""
    flag = next((o.short for o in command.options if o.short and not o.value), None)
    value = "sh"
    found = []
    for refused in command.refused:
        named = f"--{refused.long}"
        found.append(([command.name, f"{named}={value}"], 1, named))
        found.append(([command.name, named, value], 1, named))
        prefix = f"--{refused.long[:-2]}"  # named by what it stands for, if it is unambiguous
        found.append(([command.name, f"{prefix}={value}"], 1, prefix))
        if refused.short:
            found.append(([command.name, f"-{refused.short}", value], 1, f"-{refused.short}"))
            found.append(([command.name, f"-{refused.short}{value}"], 1, f"-{refused.short}"))
            if flag:
                joined = f"-{flag}{refused.short}{value}"
                found.append(([command.name, joined], 1, f"-{refused.short}"))
                # after an allowed operand too: GNU getopt permutes
                if command.style == "getopt" and command.operands.parts:
                    found.append(([command.name, "words.txt", joined], 2, f"-{refused.short}"))
    return found


ATTACKS = ISSUE + [case for c in COMMANDS.values() for case in forms(c)]


@pytest.mark.parametrize(("argv", "index", "named"), ATTACKS, ids=[" ".join(a[0]) for a in ATTACKS])
def test_a_dangerous_argument_is_refused_naming_it(
    api: Client, argv: list[str], index: int | None, named: str
) -> None:
    reply = api.http.post("/api/runs", json=composed(argv))
    if index is None:
        assert reply.status_code == 201, reply.text
        return
    assert reply.status_code == 422, (argv, reply.text)
    body = reply.json()
    assert body["field"] == f"program.procs.child.3.exec.argv.{index}", body
    assert named in body["error"] and argv[0] in body["error"], body
    assert body["detail"][0]["type"].startswith("argv."), body

    reply = api.http.post("/api/runs", json=traced(argv))
    assert reply.status_code == 422, (argv, reply.text)
    body = reply.json()
    assert body["field"] == "params.command", body
    if "/" not in " ".join(argv):  # a / is refused by the parameter's pattern already
        assert named in body["error"], body
        assert body["detail"][0]["type"].startswith("argv."), body


def test_the_refusal_carries_its_key_and_values_for_the_page(api: Client) -> None:
    argv = ["sort", "-r", "--compress-prog=sh"]
    detail = api.http.post("/api/runs", json=composed(argv)).json()["detail"][0]
    assert detail["type"] == "argv.runs_program"
    assert detail["ctx"]["option"] == "--compress-prog (--compress-program)"
    assert detail["ctx"]["usage"].startswith("sort [-")
    assert detail["msg"] == arguments.render(detail["type"], detail["ctx"])


# -- what the scenarios and the README use still runs -------------------------------------
def output(api: Client, body: dict[str, Any]) -> str:
    run = api.start(body)
    with api.watch(run) as viewer:
        events = viewer.rest()
    assert events[-1]["reason"] == "exited", events[-1]
    return terminal_text(events).replace("\r\n", "\n")


SAFE = [
    (["wc", "-l"], "5\n"),
    (["head", "-n", "3"], "pipe\nfork\nread\n"),
    (["head", "-n3"], "pipe\nfork\nread\n"),
    (["head", "-n", "-3"], "pipe\nfork\n"),
    (["head", "-c", "4"], "pipe"),
    (["sort", "-r"], "read\npipe\npipe\nfork\nclose\n"),
    (["sort", "-ru"], "read\npipe\nfork\nclose\n"),
    (["tr", "a-z", "A-Z"], INPUT.upper()),
    (["grep", "pipe"], "pipe\npipe\n"),
    (["grep", "-c", "pipe", "words.txt"], "2\n"),
    (["uniq", "-c"], None),
    (["cat"], INPUT),
    (["cat", "notes.md"], RUN_FILES["notes.md"]),
    (["cat", "-", "hello.c"], INPUT + RUN_FILES["hello.c"]),
    (["echo", "words", "here"], "words here\n"),
    (["seq", "3"], "1\n2\n3\n"),
    (["seq", "-s", ",", "3"], "1,2,3\n"),
    (["sleep", "0.1"], ""),
    (["ls", "-1"], "".join(f"{name}\n" for name in sorted(RUN_FILES))),
    (["ls", "-1", "words.txt"], "words.txt\n"),
    (["tee", "-p"], INPUT),
]


@pytest.mark.parametrize(("argv", "expected"), SAFE, ids=[" ".join(a) for a, _ in SAFE])
def test_the_safe_forms_run_to_their_end(
    api: Client, argv: list[str], expected: str | None
) -> None:
    shown = output(api, composed(argv))
    if expected is not None:
        assert shown == expected, argv
    else:
        assert re.fullmatch(r"(\s+\d+ \w+\n)+", shown), shown


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ls | wc -l", f"{len(RUN_FILES)}\n"),
        ("yes | head -n 3", "y\ny\ny\n"),
        ("seq 100 | sort -r | head -n 3", "99\n98\n97\n"),
        ("cat words.txt | sort | uniq -c | sort -rn | head -n 1", None),
        ("echo hi | tr a-z A-Z", "HI\n"),
        ("grep -n fd notes.md", "2:fd[0] reads, fd[1] writes\n"),
    ],
)
def test_the_readme_pipelines_run_traced(api: Client, command: str, expected: str | None) -> None:
    body = {"scenario": "trace-pipeline", "params": {"command": command}}
    shown = output(api, body)
    assert shown == (expected or "      2 pipe\n"), command


# -- properties -----------------------------------------------------------------------------
SAMPLES: dict[str, list[str]] = {
    "N": ["0", "3", "10", "123456789"],
    "[-]N": ["3", "-2", "0", "-10"],
    "NUMBER": ["1", "-5", "2.5", "100"],
    "SECONDS": ["0", "0.1", "1s"],
    "WORD": ["hi", "pipe", "a b", "x-y", "fd:0"],
    "PATTERN": ["pipe", "re", "w.rd"],
    "SET": ["a-z", "A-Z", "abc"],
    "KEYDEF": ["1", "2,3n", "1.2r", "3,3"],
    "CHAR": [",", ":", " "],
    "STRING": [",", ":", "x"],
    "FILE": [*RUN_FILES, "-", "missing.txt"],
}


def sample(value: Value, rng: random.Random) -> str:
    return rng.choice(SAMPLES[value.name])


def option_words(option: Option, rng: random.Random) -> list[str]:
    value = sample(option.value, rng) if option.value else None
    ways = []
    if option.short:
        ways.append([f"-{option.short}"] if value is None else [f"-{option.short}", value])
        if value is not None and not value.startswith(" "):
            ways.append([f"-{option.short}{value}"])
    if option.long:
        ways.append([f"--{option.long}"] if value is None else [f"--{option.long}={value}"])
        if value is not None:
            ways.append([f"--{option.long}", value])
    return rng.choice(ways)


def drawn(command: Command, rng: random.Random) -> list[str]:
    """A random argv that its table allows, at most 8 words."""
    words: list[str] = []
    flags = [o.short for o in command.options if o.short and not o.value]
    for _ in range(rng.randint(0, 3)):
        if flags and command.style != "echo" and rng.random() < 0.3:
            words.append("-" + "".join(rng.sample(flags, rng.randint(1, min(3, len(flags))))))
        elif command.options:
            words += option_words(rng.choice(command.options), rng)
    operands: list[str] = []
    for value, fewest, most in command.operands.parts:
        count = rng.randint(fewest, fewest if most == fewest else fewest + 2)
        count = min(count, most) if most is not None else count
        operands += [sample(value, rng) for _ in range(count)]
    if command.style == "getopt" and operands and rng.random() < 0.3:
        words.append("--")
    argv = [command.name, *words, *operands]
    return argv if len(argv) <= 8 else drawn(command, rng)


def test_any_argv_drawn_from_a_table_passes() -> None:
    rng = random.Random(9)
    for command in COMMANDS.values():
        values = [o.value for o in command.options if o.value]
        for value in [*values, *(v for v, _, _ in command.operands.parts)]:
            assert value.allows(value.example), value  # a refusal shows it as a model
            assert all(value.allows(s) for s in SAMPLES[value.name]), value
        for _ in range(300):
            argv = drawn(command, rng)
            arguments.check(argv)  # raises, naming the argument, if the table refuses it


# The programs' own short options and whether each takes a value, from their sources'
# getopt strings (coreutils 9, grep 3); their long options come from their --help.
SHORTS = {
    "cat": "benstuvAET",
    "wc": "clLmw",
    "sort": "bcCdfghik:mMno:rRsS:t:T:uVy:z",
    "head": "c:n:qvz0123456789",
    "tr": "+AcCdst",
    "grep": "0123456789A:B:C:D:EFGHIJLNOPRTUVX:abcd:e:f:hilm:noqRrsuvwxyZz",
    "ls": "abcdfghiklmnopqrstuvw:xABCDFGHI:LNQRST:UXZ1",
    "tee": "aip",
    "uniq": "0123456789Dcdf:is:uw:z",
    "seq": "+f:s:w",
    "yes": "+",
    "sleep": "+",
}


def real_longs(program: str) -> dict[str, bool]:
    """Each long option its --help lists, and whether it takes a value (an optional value
    counts as none: written with = it is refused anyway)."""
    text = subprocess.run(
        [program, "--help"], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
    ).stdout
    takes: dict[str, bool] = {}
    for m in re.finditer(r"--([a-z0-9][a-z0-9-]*)(\[?=)?", text):
        takes[m[1]] = takes.get(m[1], True) and m[2] == "="  # --check and --check=quiet: optional
    return takes


def real_parse(program: str, argv: list[str], longs: dict[str, bool]) -> list[tuple[str, str]]:
    """How the program's getopt reads argv: (option, value) for each option, ("", word) for
    each operand. getopt_long takes any unambiguous prefix of a long option."""
    shorts = SHORTS[program]
    stop_first = shorts.startswith("+")
    found: list[tuple[str, str]] = []
    i, ended = 0, False
    while i < len(argv):
        word = argv[i]
        i += 1
        if program == "seq" and re.match(r"-[0-9.]", word):
            ended = True
        if ended or word == "-" or not word.startswith("-"):
            found.append(("", word))
            ended = ended or stop_first
            continue
        if word == "--":
            ended = True
            continue
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            exact = [n for n in longs if n == name]
            matches = exact or [n for n in longs if n.startswith(name)]
            if len(matches) != 1:
                raise ValueError(f"unrecognized or ambiguous {word}")
            if longs[matches[0]] and not eq:
                if i == len(argv):
                    raise ValueError(f"{word} requires an argument")
                value, i = argv[i], i + 1
            elif not longs[matches[0]] and eq:
                raise ValueError(f"{word} takes no argument")
            found.append((f"--{matches[0]}", value))
            continue
        for at, letter in enumerate(word[1:], start=1):
            spot = shorts.find(letter)
            if letter in "+:" or spot < 0:
                raise ValueError(f"invalid option -- {letter}")
            if shorts[spot + 1 : spot + 2] != ":":
                found.append((f"-{letter}", ""))
                continue
            value = word[at + 1 :]
            if not value:
                if i == len(argv):
                    raise ValueError(f"-{letter} requires an argument")
                value, i = argv[i], i + 1
            found.append((f"-{letter}", value))
            break
    return found


ATOMS = [
    "-", "--", "-r", "-n", "-k", "-o", "-T", "-S", "-R", "-f", "-L", "-a", "-c", "-l", "-d",
    "-rT.", "-So", "-n-5", "-3", "--compress-program=sh", "--compress-prog", "--files0-from=F",
    "--files0", "--output=x", "--out", "--reverse", "--rev", "--lines=2", "--lines", "--key",
    "--recursive", "--file=words.txt", "--dereference", "--temporary-directory=.", "sh", ".",
    "..", "/", "/etc/shadow", "words.txt", "notes.md", "hello.c", "x", "2", "-2", "1k",
]  # fmt: skip


def random_word(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(ATOMS)
    alphabet = "-=./:,_ abcdefghklmnoprstuvwxyzRSTL0123456789"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))


def allowed_by_table(command: Command, parsed: list[tuple[str, str]]) -> bool:
    """Every option the program would read is one the table lists, with a value it allows;
    every operand is one the table allows, and no more of them than it takes."""
    by_name = {f"-{o.short}": o for o in command.options if o.short}
    by_name |= {f"--{o.long}": o for o in command.options if o.long}
    operands = []
    for name, value in parsed:
        if not name:
            operands.append(value)
            continue
        option = by_name.get(name)
        if option is None or (option.value is not None and not option.value.allows(value)):
            return False
    parts = [(v, most) for v, _, most in command.operands.parts]
    for word in operands:
        while parts and parts[0][1] == 0:
            parts.pop(0)
        if not parts or not parts[0][0].allows(word):
            return False
        value, most = parts[0]
        parts[0] = (value, None if most is None else most - 1)
    return True


@pytest.mark.parametrize("program", [n for n, c in COMMANDS.items() if c.style != "echo"])
def test_a_random_argv_passes_only_if_the_program_would_read_what_the_table_allows(
    program: str,
) -> None:
    command, longs = COMMANDS[program], real_longs(program)
    rng = random.Random(program)
    passed = 0
    for n in range(3000):
        argv = [random_word(rng) for _ in range(rng.randint(0, 4))]
        if n % 3 == 0:  # half of them close to what the table allows
            argv = [*drawn(command, rng)[1:4], *argv][:7]
        try:
            arguments.check([program, *argv])
        except arguments.Refusal as refusal:
            assert 0 <= refusal.index <= len(argv)
            continue
        passed += 1
        parsed = real_parse(program, argv, longs)  # the program would accept it...
        assert allowed_by_table(command, parsed), (argv, parsed)  # ...and do only this
    assert passed > 50, passed  # the property was tried on argvs that pass, not only refused


def test_the_table_agrees_with_each_program_on_which_options_take_a_value(tmp_path: Any) -> None:
    """The parse above is only right if the table knows which options take a value: asked
    of the real programs, with nothing for them to read."""
    env = {**os.environ, "LC_ALL": "C"}

    def stderr(argv: list[str]) -> str:
        done = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=10,
        )  # fmt: skip
        return done.stderr

    for command in COMMANDS.values():
        if command.style == "echo":
            continue
        for option in command.options:
            if option.short and option.value:
                assert "requires an argument" in stderr([command.name, f"-{option.short}"])
            elif option.short:
                said = stderr([command.name, f"-{option.short}", "--no-such-option-here"])
                assert "unrecognized option" in said, (command.name, option, said)
            if option.long and option.value:
                assert "requires an argument" in stderr([command.name, f"--{option.long}"])
            elif option.long:
                said = stderr([command.name, f"--{option.long}=x"])
                assert "allow an argument" in said or "invalid argument" in said, said


# -- what a user reads --------------------------------------------------------------------
def test_every_message_is_in_the_page_strings_in_both_languages() -> None:
    table = i18n.strings()
    for key, english in arguments.MESSAGES.items():
        assert table[key]["en"] == english, key
        names = set(re.findall(r"\{(\w+)\}", english))
        assert set(re.findall(r"\{(\w+)\}", table[key]["zh"])) == names, key


def test_docs_security_shows_the_table_as_it_is() -> None:
    """docs/security.md's section is `python -m app.scenarios.commands_doc`'s output; rerun
    it and paste it over the section when the table changes."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    start = text.index(commands_doc.HEADING)
    end = text.find("\n## ", start + 1)
    section = text[start : end + 1 if end >= 0 else len(text)]
    assert section.rstrip("\n") == commands_doc.section().rstrip("\n")
