"""The table of commands.py as docs/security.md shows it; tests/security keep the two equal.

`python -m app.scenarios.commands_doc` prints the section, to paste over the old one.
"""

from __future__ import annotations

from app.scenarios.argv import MESSAGES
from app.scenarios.commands import COMMANDS, FILE, Command, Value
from app.workdir import RUN_FILES

HEADING = "## The second line: what a run may ask for"
INTRO = """\
The sandbox is the boundary; this is the second line behind it. A run may exec only the
programs below (a composed program's `exec` step, a traced pipeline's commands), and each
only with the options and operands listed for it: the table is `app/scenarios/commands.py`,
read from each program's own `--help`. Anything it does not list is refused with a 422 whose
`field` names the argument (`program.procs.child.2.exec.argv.3`, or `params.command` for a
traced pipeline) and whose message says what is allowed instead; its `detail` carries the
message's key (`type`, one of `argv.*`) and values (`ctx`), which the page words in English
or 简体中文.

- argv is read the way GNU getopt reads it: options anywhere before `--` (tr, seq, yes and
  sleep stop at their first operand; echo takes only leading `-n`, `-e`, `-E`), short flags
  joined (`-rn`), a short option's value joined or in the next word (`-n3`, `-n 3`, `-n -5`),
  a long one's after `=` or in the next word. A value is checked as a value even when it
  starts with `-`, so `-rT.` is refused at its `T`.
- Long options are taken only written in full. getopt would take any unambiguous prefix
  (`--compress-prog=sh`); a prefix is refused, and named by the option it stands for.
- A file operand names a file of the run's own directory ({files}):
  a plain name, no `/`, no `..`, not starting with `-`; or `-` for stdin. Another plain name
  only gets "No such file".
- Refused on purpose, among all that is not listed: options that run a program, write a
  file, read files their argv does not name, walk a directory tree, follow symbolic links or
  make a program write temporary files; and operands that a program would write to (tee's
  files, uniq's second operand).
- Checked where a request comes in (the `Program` model, the `trace-pipeline` parameter) and
  again where a traced pipeline is started (`app/strace/spec.py`). Not this line's to stop,
  and left to the sandbox: what a program does within its allowed options (sort still spills
  a large input to temporary files in `$TMPDIR`; `yes` and `seq` run until a limit ends
  them), and what it reads from its environment (`TMPDIR`, `POSIXLY_CORRECT`, `LS_COLORS`).
"""
WHY = {
    "argv.runs_program": "runs a program",
    "argv.writes_file": "writes a file",
    "argv.reads_file": "reads files argv does not name",
    "argv.recurses": "walks a directory tree",
    "argv.follows_links": "follows symbolic links",
    "argv.temp_files": "writes temporary files",
}


def _code(text: str) -> str:
    return f"`{text}`"


def _row(command: Command) -> str:
    options = ", ".join(_code(o.forms()).replace(", ", "`, `") for o in command.options)
    operands = _code(command.operands.usage()) if command.operands.parts else "none"
    if command.operands.extra:
        operands += " (one more would be written to: refused)"
    refused = ", ".join(
        ", ".join(_code(f) for f in (f"-{r.short}" if r.short else "", f"--{r.long}") if f)
        + f" ({WHY[r.why]})"
        for r in command.refused
    )
    return f"| `{command.name}` | {options or 'none'} | {operands} | {refused or '-'} |"


def _value(value: Value) -> str:
    pattern = value.pattern.replace("|", "\\|")  # a | inside a table cell
    return f"| `{value.name}` | {value.means} | `{value.example}` | `{pattern}` |"


def section() -> str:
    values = {id(o.value): o.value for c in COMMANDS.values() for o in c.options if o.value}
    values |= {id(v): v for c in COMMANDS.values() for v, _, _ in c.operands.parts}
    rows = [
        HEADING,
        "",
        INTRO.format(files=", ".join(_code(f) for f in RUN_FILES)),
        "| program | options it may take | operands | refused, and why |",
        "|---|---|---|---|",
        *(_row(c) for c in COMMANDS.values()),
        "",
        "What a value or operand may be (matched whole; none may contain `..`):",
        "",
        "| name | what | for example | pattern |",
        "|---|---|---|---|",
        *sorted(_value(v) for v in values.values() if v is not FILE),
        _value(FILE),
        "",
        f"The messages, one per key of `argv.MESSAGES` ({len(MESSAGES)} keys), are in "
        "`static/i18n/strings.json` in both languages.",
    ]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(section(), end="")
