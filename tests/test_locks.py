"""The lock files say what pyproject.toml asks for: every dependency pinned, with hashes, at a
version its range allows; the test lock holds the runtime one's pins unchanged; and what
serving (and the image) installs holds no test tool. A failure here means: run `make lock`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^ \\;]+)")
TEST_TOOLS = {"pytest", "pytest-timeout", "playwright", "ruff", "mypy", "httpx"}


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    found = {}
    for entry in re.split(r"\n(?=\S)", text):  # one pin and its hash lines
        if match := PIN.match(entry):
            assert "--hash=sha256:" in entry, f"{lock}: {match[1]} has no hash"
            found[canonicalize_name(match[1])] = match[2]
    return found


def asked(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in listed]


def test_every_dependency_is_pinned_at_a_version_its_range_allows() -> None:
    for lock, wanted in (
        ("runtime.txt", asked()),
        ("test.txt", asked() + asked("test")),
    ):
        pinned = pins(lock)
        for requirement in wanted:
            name = canonicalize_name(requirement.name)
            assert name in pinned, f"{requirement.name} is not in {lock}: run `make lock`"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (
                f"{lock} pins {name}=={pinned[name]}, outside {requirement}: run `make lock`"
            )


def test_the_test_lock_keeps_the_runtime_pins_and_serving_gets_no_test_tool() -> None:
    runtime, test = pins("runtime.txt"), pins("test.txt")
    assert {name: test.get(name) for name in runtime} == runtime
    assert TEST_TOOLS & set(runtime) == set()
    assert set(test) >= TEST_TOOLS
