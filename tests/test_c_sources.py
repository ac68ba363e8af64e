"""Each C example is shown with its comments in the page's language: its Chinese comments
are a table beside it (examples/c/zh/NAME.json), from which the Chinese source is made, so
the code, and every step's line, are the same in both."""

from __future__ import annotations

import re

import pytest
from chinese import latin_words

from app.scenarios.catalog import all_scenarios
from app.scenarios.source import COMMENT, EXAMPLES, TRANSLATED, c_source, comment_table

SHOWN = sorted(p.stem for p in EXAMPLES.glob("*.c") if p.stem != "launch")  # launch: built only
HAN = re.compile(r"[\u4e00-\u9fff]")


def comments_of(text: str) -> list[str]:
    return [m.group(2) if m.group(1) else m.group(5) for m in COMMENT.finditer(text)]


def code_of(text: str) -> list[str]:
    return [re.sub(r"/\*.*?\*/|//.*$", "", line).rstrip() for line in text.splitlines()]


@pytest.mark.parametrize("name", SHOWN)
def test_every_comment_has_its_chinese(name: str) -> None:
    table = comment_table(name, "zh")
    path = (TRANSLATED["zh"] / f"{name}.json").relative_to(EXAMPLES.parents[1])
    source = c_source(name)
    for comment in comments_of(source):
        if not comment:
            continue
        assert not HAN.search(comment), (name, comment)  # the English file speaks English
        assert comment in table, f"{path}: no Chinese for {comment!r}"
        zh = table[comment]
        assert HAN.search(zh) and not latin_words(zh), (name, zh, latin_words(zh))
    unused = set(table) - set(comments_of(source))
    assert not unused, f"{path}: translations of comments the source no longer has: {unused}"
    assert code_of(source) == code_of(source.zh)  # the same code, line for line


def test_every_scenario_shows_its_source_in_both_languages() -> None:
    for scenario in all_scenarios():
        shown = scenario.to_json()["sources"]
        assert set(shown) == {"en", "zh"}
        assert shown["en"] == scenario.to_json()["source"]
        if comments_of(shown["en"]):
            assert shown["zh"] != shown["en"], scenario.name
