"""What each allowlisted program may be asked to do: its options, and what its operands may be.

The second line of defence, after the sandbox (docs/security.md): a table per program, read
from its own `--help` (GNU coreutils 9 and GNU grep 3). Anything the table does not list is
refused: options that run programs, write files, read file lists or other files, recurse,
follow links or move temporary files are named in `refused` so the refusal can say why.
Long options are taken only written in full (getopt would take any unambiguous prefix, so a
prefix is refused, never guessed). `app/scenarios/argv.py` parses argv as getopt does and
checks it against this table; docs/security.md shows it (tests/security keep them equal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.workdir import RUN_FILES


@dataclass(frozen=True)
class Value:
    """What an option's value or an operand may be: a pattern, matched whole."""

    name: str  # as a usage line writes it: N, KEYDEF, FILE
    pattern: str
    example: str  # shown in a refusal, in either language
    means: str  # for the documentation

    def allows(self, text: str) -> bool:
        return re.fullmatch(self.pattern, text) is not None and ".." not in text


PLAIN = r"[A-Za-z0-9_.,:=+%@][A-Za-z0-9_.,:=+%@ -]{0,63}"  # no /, no leading -
COUNT = Value("N", r"[0-9]{1,9}", "3", "a whole number")
SIGNED = Value("[-]N", r"-?[0-9]{1,9}", "-3", "a whole number; -N: all but the last N")
NUMBER = Value("NUMBER", r"-?[0-9]{1,12}(\.[0-9]{1,6})?", "-2.5", "a number")
SECONDS = Value("SECONDS", r"[0-9]{1,3}(\.[0-9]{1,3})?s?", "0.5", "seconds, at most 999")
WORD = Value("WORD", PLAIN, "hello", "a short plain string")
PATTERN = Value("PATTERN", PLAIN, "pipe", "a short plain pattern")
SET = Value("SET", PLAIN, "a-z", "letters, digits, ranges")
KEYDEF = Value(
    "KEYDEF",
    r"[0-9]{1,3}(\.[0-9]{1,3})?[bdfgiMhnRrV]*(,[0-9]{1,3}(\.[0-9]{1,3})?[bdfgiMhnRrV]*)?",
    "2,3n",
    "a sort key: fields (and characters) from, to, and type letters",
)
CHAR = Value("CHAR", r"[,:;.=+%@_ ]", ",", "one separator character")
SEPARATOR = Value("STRING", r"[A-Za-z0-9_.,:=+%@ ]{1,8}", ",", "a short separator")
FILE = Value(
    "FILE",
    r"-|[A-Za-z0-9_][A-Za-z0-9_.,+=@%-]{0,63}",
    "words.txt",
    "a file of the run's own directory ("
    + ", ".join(RUN_FILES)
    + "), a plain name with no / (another just gets No such file), or - for stdin",
)


@dataclass(frozen=True)
class Option:
    short: str | None  # the letter
    long: str | None  # the name, without --
    value: Value | None = None  # what it takes, if it takes a value

    def forms(self) -> str:
        value = f" {self.value.name}" if self.value else ""
        shown = [f"-{self.short}{value}"] if self.short else []
        if self.long:
            shown.append(f"--{self.long}" + (f"={self.value.name}" if self.value else ""))
        return ", ".join(shown)


# Why a real option of a program is refused: a key of argv.MESSAGES.
RUNS_PROGRAM = "argv.runs_program"
WRITES_FILE = "argv.writes_file"
READS_FILE = "argv.reads_file"
RECURSES = "argv.recurses"
FOLLOWS_LINKS = "argv.follows_links"
TEMP_FILES = "argv.temp_files"


@dataclass(frozen=True)
class Refused:
    short: str | None
    long: str | None
    why: str


@dataclass(frozen=True)
class Operands:
    """Operands in order: each (value, fewest, most); most None is any number."""

    parts: tuple[tuple[Value, int, int | None], ...] = ()
    extra: str | None = None  # why one more is refused, when it would do harm (a key)

    def usage(self) -> str:
        shown = []
        for value, fewest, most in self.parts:
            shown += [value.name] * fewest
            if most is None or most > fewest + 1:
                shown.append(f"[{value.name}]...")
            elif most == fewest + 1:
                shown.append(f"[{value.name}]")
        return " ".join(shown)


@dataclass(frozen=True)
class Command:
    name: str
    options: tuple[Option, ...]
    operands: Operands
    refused: tuple[Refused, ...] = ()
    # How it reads argv: "getopt" (options anywhere, up to --), "first" (options only before
    # the first operand: tr, seq, yes, sleep), "echo" (only leading -n, -e, -E; no --).
    style: str = "getopt"


FILES = Operands(((FILE, 0, None),))

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "cat",
            (
                Option("A", "show-all"),
                Option("b", "number-nonblank"),
                Option("e", None),
                Option("E", "show-ends"),
                Option("n", "number"),
                Option("s", "squeeze-blank"),
                Option("t", None),
                Option("T", "show-tabs"),
                Option("u", None),
                Option("v", "show-nonprinting"),
            ),
            FILES,
        ),
        Command(
            "wc",
            (
                Option("c", "bytes"),
                Option("m", "chars"),
                Option("l", "lines"),
                Option("L", "max-line-length"),
                Option("w", "words"),
            ),
            FILES,
            (Refused(None, "files0-from", READS_FILE),),
        ),
        Command(
            "sort",
            (
                Option("b", "ignore-leading-blanks"),
                Option("d", "dictionary-order"),
                Option("f", "ignore-case"),
                Option("g", "general-numeric-sort"),
                Option("i", "ignore-nonprinting"),
                Option("M", "month-sort"),
                Option("h", "human-numeric-sort"),
                Option("n", "numeric-sort"),
                Option("R", "random-sort"),
                Option("r", "reverse"),
                Option("V", "version-sort"),
                Option("c", "check"),
                Option("C", None),
                Option("k", "key", KEYDEF),
                Option("m", "merge"),
                Option("s", "stable"),
                Option("t", "field-separator", CHAR),
                Option("u", "unique"),
                Option("z", "zero-terminated"),
            ),
            FILES,
            (
                Refused(None, "compress-program", RUNS_PROGRAM),
                Refused("o", "output", WRITES_FILE),
                Refused("T", "temporary-directory", TEMP_FILES),
                Refused("S", "buffer-size", TEMP_FILES),
                Refused(None, "batch-size", TEMP_FILES),
                Refused(None, "files0-from", READS_FILE),
                Refused(None, "random-source", READS_FILE),
            ),
        ),
        Command(
            "head",
            (
                Option("c", "bytes", SIGNED),
                Option("n", "lines", SIGNED),
                Option("q", "quiet"),
                Option(None, "silent"),
                Option("v", "verbose"),
                Option("z", "zero-terminated"),
            ),
            FILES,
        ),
        Command(
            "tr",
            (
                Option("c", "complement"),
                Option("C", None),
                Option("d", "delete"),
                Option("s", "squeeze-repeats"),
                Option("t", "truncate-set1"),
            ),
            Operands(((SET, 1, 2),)),
            style="first",
        ),
        Command(
            "grep",
            (
                Option("E", "extended-regexp"),
                Option("F", "fixed-strings"),
                Option("G", "basic-regexp"),
                Option("i", "ignore-case"),
                Option("w", "word-regexp"),
                Option("x", "line-regexp"),
                Option("s", "no-messages"),
                Option("v", "invert-match"),
                Option("m", "max-count", COUNT),
                Option("b", "byte-offset"),
                Option("n", "line-number"),
                Option("H", "with-filename"),
                Option("h", "no-filename"),
                Option("o", "only-matching"),
                Option("q", "quiet"),
                Option("L", "files-without-match"),
                Option("l", "files-with-matches"),
                Option("c", "count"),
                Option("B", "before-context", COUNT),
                Option("A", "after-context", COUNT),
                Option("C", "context", COUNT),
            ),
            Operands(((PATTERN, 1, 1), (FILE, 0, None))),
            (
                Refused("f", "file", READS_FILE),
                Refused(None, "exclude-from", READS_FILE),
                Refused("r", "recursive", RECURSES),
                Refused("R", "dereference-recursive", RECURSES),
                Refused("d", "directories", RECURSES),
                Refused("D", "devices", READS_FILE),
            ),
        ),
        Command(
            "ls",
            (
                Option("a", "all"),
                Option("A", "almost-all"),
                Option("d", "directory"),
                Option("F", None),
                Option("h", "human-readable"),
                Option("i", "inode"),
                Option("l", None),
                Option("n", "numeric-uid-gid"),
                Option("r", "reverse"),
                Option("s", "size"),
                Option("S", None),
                Option("t", None),
                Option("1", None),
            ),
            FILES,
            (
                Refused("R", "recursive", RECURSES),
                Refused("L", "dereference", FOLLOWS_LINKS),
                Refused("H", "dereference-command-line", FOLLOWS_LINKS),
                Refused(None, "dereference-command-line-symlink-to-dir", FOLLOWS_LINKS),
            ),
        ),
        Command(
            "echo",
            (Option("n", None), Option("e", None), Option("E", None)),
            Operands(((WORD, 0, None),)),
            style="echo",
        ),
        Command("yes", (), Operands(((WORD, 0, None),)), style="first"),
        Command(
            "seq",
            (Option("s", "separator", SEPARATOR), Option("w", "equal-width")),
            Operands(((NUMBER, 1, 3),)),
            style="first",
        ),
        Command(
            "tee",
            (Option("i", "ignore-interrupts"), Option("p", None)),
            Operands(extra=WRITES_FILE),
            (Refused("a", "append", WRITES_FILE),),
        ),
        Command(
            "uniq",
            (
                Option("c", "count"),
                Option("d", "repeated"),
                Option("D", None),
                Option("f", "skip-fields", COUNT),
                Option("i", "ignore-case"),
                Option("s", "skip-chars", COUNT),
                Option("u", "unique"),
                Option("z", "zero-terminated"),
                Option("w", "check-chars", COUNT),
            ),
            Operands(((FILE, 0, 1),), extra=WRITES_FILE),  # a second operand is its output
        ),
        Command("sleep", (), Operands(((SECONDS, 1, 4),)), style="first"),
    )
}
