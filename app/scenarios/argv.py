"""An argv checked against its program's table (commands.py), parsed the way the program does.

GNU getopt takes options anywhere up to `--` (permuting), joins short flags (`-rn`), takes a
short option's value from the rest of its word or the next word (`-n3`, `-n 3`, `-n -5`), a
long one's after `=` or from the next word, and any unambiguous prefix of a long option. The
parse here follows it step by step, so what the program will take as an option is what is
checked as one; prefixes alone are refused (written in full or not at all). Nothing here
imports pydantic: the runner checks traced pipelines with it too.

A refusal names the argv index at fault and carries a message key and its arguments, so the
page can word it in either language (static/i18n/strings.json has every key of MESSAGES).
"""

from __future__ import annotations

import re

from app.scenarios.commands import COMMANDS, Command, Option, Refused, Value
from app.workdir import RUN_FILES

MESSAGES = {
    "argv.program": "{arg} is not allowed; exec runs only {programs}",
    "argv.runs_program": "{program} {arg}: {option} runs another program; it is not allowed "
    "here. Allowed: {usage}",
    "argv.writes_file": "{program} {arg}: {option} writes a file; a run only writes to its "
    "pipes and terminal. Allowed: {usage}",
    "argv.reads_file": "{program} {arg}: {option} reads files its argv does not name; it is "
    "not allowed here. Allowed: {usage}",
    "argv.recurses": "{program} {arg}: {option} walks a directory tree; it is not allowed "
    "here. Allowed: {usage}",
    "argv.follows_links": "{program} {arg}: {option} follows symbolic links; it is not "
    "allowed here. Allowed: {usage}",
    "argv.temp_files": "{program} {arg}: {option} makes {program} write temporary files; it "
    "is not allowed here. Allowed: {usage}",
    "argv.unknown": "{program} {arg}: {option} is not one of the options allowed here. "
    "Allowed: {usage}",
    "argv.prefix": "{program} {arg}: write {option} in full; an abbreviated option is not "
    "accepted. Allowed: {usage}",
    "argv.needs_value": "{program} {arg}: {option} needs a value ({value}) after it",
    "argv.no_value": "{program} {arg}: {option} takes no value",
    "argv.bad_value": "{program} {arg}: {option} takes {value} (such as {example}), not "
    "'{given}'. Allowed: {usage}",
    "argv.bad_operand": "{program} {arg}: an operand here must be {value} (such as "
    "{example}). Allowed: {usage}",
    "argv.file": "{program} {arg}: a file operand names a file of the run's own directory "
    "({files}) or - for stdin: a plain name, no /, no .., not starting with -",
    "argv.too_many": "{program} {arg}: too many operands. Allowed: {usage}",
    "argv.extra_writes": "{program} {arg}: {program} would write to this file; here it may "
    "only write to its standard output. Allowed: {usage}",
    "argv.too_few": "{program}: an operand is missing. Allowed: {usage}",
}
NEGATIVE = re.compile(r"-[0-9]")  # seq takes -5 as a number, not an option


class Refusal(ValueError):
    """argv[index] may not be run: MESSAGES[key], filled from values."""

    def __init__(self, index: int, key: str, **values: str) -> None:
        self.index, self.key, self.values = index, key, values
        super().__init__(render(key, values))


def render(key: str, values: dict[str, str]) -> str:
    return MESSAGES[key].format(**values)


def check(argv: list[str]) -> None:
    """Raise Refusal unless every argument of argv is one its program's table allows."""
    command = COMMANDS.get(argv[0])
    if command is None:
        raise Refusal(0, "argv.program", arg=repr(argv[0]), programs=", ".join(COMMANDS))
    operands = _options(command, argv)
    _operands(command, argv, operands)


def usage(command: Command) -> dict[str, str]:
    """What a message tells a user the program may take instead: a synopsis, as a manual
    writes it (`sort [-bdf] [-k KEYDEF] [FILE]...`), the same in either language."""
    flags = "".join(o.short for o in command.options if o.short and not o.value)
    words = [command.name, f"[-{flags}]" if flags else ""]
    words += [f"[-{o.short} {o.value.name}]" for o in command.options if o.short and o.value]
    words.append(command.operands.usage())
    return {"program": command.name, "usage": " ".join(w for w in words if w)}


def _options(command: Command, argv: list[str]) -> list[int]:
    """Check each option (and its value) as the program's parser reads argv; the indices of
    the operands, in order."""
    operands: list[int] = []
    i, ended = 1, False
    while i < len(argv):
        arg = argv[i]
        if command.style == "first" and operands:
            ended = True  # options stop at the first operand
        if command.style == "echo":
            ended = ended or not re.fullmatch(r"-[neE]+", arg)
        elif command.style == "first" and command.name == "seq" and NEGATIVE.match(arg):
            ended = True
        if ended or arg == "-" or not arg.startswith("-"):
            operands.append(i)
        elif arg == "--":
            ended = True
        elif arg.startswith("--"):
            i = _long(command, argv, i)
        else:
            i = _shorts(command, argv, i)
        i += 1
    return operands


def _long(command: Command, argv: list[str], i: int) -> int:
    arg = argv[i]
    name, eq, value = arg[2:].partition("=")
    option = next((o for o in command.options if o.long == name), None)
    if option is None:
        raise _not_allowed(command, i, arg, long=name)
    if option.value is None:
        if eq:
            raise Refusal(i, "argv.no_value", arg=arg, option=f"--{name}", **usage(command))
        return i
    if not eq:
        i = _next_value(command, argv, i, f"--{name}", option.value)
        value, arg = argv[i], f"{arg} {argv[i]}"
    _value(command, i, arg, f"--{name}", option.value, value)
    return i


def _shorts(command: Command, argv: list[str], i: int) -> int:
    arg = argv[i]
    for at, letter in enumerate(arg[1:], start=1):
        option = next((o for o in command.options if o.short == letter), None)
        if option is None:
            raise _not_allowed(command, i, arg, short=letter)
        if option.value is None:
            continue
        rest = arg[at + 1 :]
        if rest:  # -n3: the rest of the word is the value
            _value(command, i, arg, f"-{letter}", option.value, rest)
            return i
        i = _next_value(command, argv, i, f"-{letter}", option.value)
        _value(command, i, f"{arg} {argv[i]}", f"-{letter}", option.value, argv[i])
        return i
    return i


def _next_value(command: Command, argv: list[str], i: int, option: str, value: Value) -> int:
    if i + 1 >= len(argv):
        raise Refusal(
            i, "argv.needs_value", arg=argv[i], option=option, value=value.name, **usage(command)
        )
    return i + 1


def _value(command: Command, i: int, arg: str, option: str, value: Value, given: str) -> None:
    if not value.allows(given):
        raise Refusal(
            i,
            "argv.bad_value",
            arg=arg,
            option=option,
            value=value.name,
            example=value.example,
            given=given,
            **usage(command),
        )


def _not_allowed(command: Command, i: int, arg: str, short: str = "", long: str = "") -> Refusal:
    """Why this option is refused: the table's reason for it, or that it is not listed. A
    prefix of a long option is named by the option getopt would take it for."""
    option = f"-{short}" if short else f"--{long}"
    refused = [r for r in command.refused if (short and r.short == short) or r.long == long]
    if long and not refused:
        known: list[Option | Refused] = [*command.options, *command.refused]
        matches = [k for k in known if k.long and k.long.startswith(long)]
        if len(matches) == 1:
            full = f"--{matches[0].long}"
            if not isinstance(matches[0], Refused):
                return Refusal(i, "argv.prefix", arg=arg, option=full, **usage(command))
            refused, option = [matches[0]], f"{option} ({full})"
    key = refused[0].why if refused else "argv.unknown"
    return Refusal(i, key, arg=arg, option=option, **usage(command))


def _operands(command: Command, argv: list[str], indices: list[int]) -> None:
    parts = list(command.operands.parts)
    counts = [0] * len(parts)
    part = 0

    def full(part: int) -> bool:
        most = parts[part][2]
        return most is not None and counts[part] >= most

    for i in indices:
        while part < len(parts) and full(part):
            part += 1
        if part == len(parts):
            key = "argv.extra_writes" if command.operands.extra else "argv.too_many"
            raise Refusal(i, key, arg=argv[i], **usage(command))
        value = parts[part][0]
        if not value.allows(argv[i]):
            if value.name == "FILE":
                raise Refusal(
                    i, "argv.file", arg=argv[i], files=", ".join(RUN_FILES), **usage(command)
                )
            raise Refusal(
                i,
                "argv.bad_operand",
                arg=argv[i],
                value=value.name,
                example=value.example,
                **usage(command),
            )
        counts[part] += 1
    for (_, fewest, _), seen in zip(parts, counts, strict=True):
        if seen < fewest:
            raise Refusal(len(argv) - 1, "argv.too_few", **usage(command))
