"""Each C example is shown with its comments in the page's language: its Chinese twin has
the same code, line for line, so every step's line points at the same code in both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chinese import latin_words

from app.scenarios.catalog import all_scenarios
from app.scenarios.source import EXAMPLES, TRANSLATED

SHOWN = sorted(p.stem for p in EXAMPLES.glob("*.c") if p.stem != "launch")  # launch: built only
COMMENT = re.compile(r"/\*.*?\*/|//.*$")
HAN = re.compile(r"[\u4e00-\u9fff]")


def code_of(path: Path) -> list[str]:
    return [COMMENT.sub("", line).rstrip() for line in path.read_text().splitlines()]


def comments_of(path: Path) -> list[str]:
    return [m.group(0) for line in path.read_text().splitlines() for m in COMMENT.finditer(line)]


@pytest.mark.parametrize("name", SHOWN)
def test_the_chinese_twin_is_the_same_code(name: str) -> None:
    en, zh = EXAMPLES / f"{name}.c", TRANSLATED["zh"] / f"{name}.c"
    assert zh.exists(), f"write {zh.relative_to(EXAMPLES.parents[1])}: its comments in Chinese"
    assert code_of(en) == code_of(zh)
    assert len(comments_of(en)) == len(comments_of(zh))
    for comment in comments_of(en):
        assert not HAN.search(comment), (name, comment)  # English comments in the English one
    for comment in comments_of(zh):
        text = comment.strip("/* ")
        assert HAN.search(text), (name, comment)
        assert not latin_words(text), (name, comment, latin_words(text))


def test_every_scenario_shows_its_source_in_both_languages() -> None:
    for scenario in all_scenarios():
        shown = scenario.to_json()["sources"]
        assert set(shown) == {"en", "zh"}
        assert shown["en"] == scenario.to_json()["source"]
        if any(HAN.search(c) for c in COMMENT.findall(shown["en"])):
            pytest.fail(f"{scenario.name}: Chinese comments in the English source")
        assert shown["zh"] != shown["en"] or "/*" not in shown["en"], scenario.name
