"""`python -m app` as an operator meets it: a bad flag or PIPESCOPE_* value is one line that
names it, never a traceback, and never a server that runs on something else."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from service_client import ROOT


def start(*flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The server as typed; a bad value must stop it before it binds, so this returns."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIPESCOPE_")}
    return subprocess.run(
        [sys.executable, "-m", "app", *flags],
        cwd=ROOT,
        env=environ | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--port", "70000"), "70000 is not a port: use 0 to 65535"),
        (("--port", "-1"), "-1 is not a port: use 0 to 65535"),
        (("--port", "http"), "'http' is not a port number"),
        (("--log-level", "loud"), "invalid choice: 'loud'"),
    ],
)
def test_a_bad_flag_is_one_line_of_usage(flags: tuple[str, ...], said: str) -> None:
    done = start(*flags)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("python -m app: error:")


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("PIPESCOPE_PORT", "99999", "less than or equal to 65535"),
        ("PIPESCOPE_WALL_S", "-1", "greater than 0"),
        ("PIPESCOPE_MAX_RUNS", "many", "valid integer"),
        ("PIPESCOPE_MAX_BODY_KB", "0", "greater than or equal to 1"),
        ("PIPESCOPE_EMBED_ORIGINS", "https://a.example/slides", "is not an origin"),
        ("PIPESCOPE_EMBED_ORIGINS", "https://a.example; script-src *", "is not an origin"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(name: str, value: str, said: str) -> None:
    done = start(**{name: value})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        line for line in done.stderr.strip().splitlines() if line.startswith("pipescope: ")
    ]
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"pipescope: {name}={value!r}: ") and said in line


def test_two_bad_settings_are_two_lines() -> None:
    done = start(PIPESCOPE_WALL_S="0", PIPESCOPE_CPU_S="0")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 2
    assert {line.split("=")[0] for line in lines} == {
        "pipescope: PIPESCOPE_WALL_S",
        "pipescope: PIPESCOPE_CPU_S",
    }


def test_a_mistyped_setting_is_named_with_what_was_meant() -> None:
    """A typo would otherwise run silently on the default: it is said, with the likely name
    (the server then starts; --port 70000 stops it here, before it binds)."""
    done = start("--port", "70000", PIPESCOPE_WALLS="5")
    assert (
        "pipescope: warning: PIPESCOPE_WALLS is not a setting, ignored "
        "(did you mean PIPESCOPE_WALL_S?)" in done.stderr
    )
