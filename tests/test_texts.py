"""Every text a user reads exists in both languages: the strings table, the server's
messages (by key), each role a scenario's processes take; and the Chinese ones are Chinese
(no English word outside code)."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from chinese import latin_words

from app.events import RunEnd
from app.i18n import strings
from app.scenarios.catalog import all_scenarios
from app.scenarios.commands import COMMANDS

APP = Path(__file__).resolve().parents[1] / "app"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
TABLE = strings()


@pytest.mark.parametrize("key", sorted(TABLE))
def test_each_string_says_the_same_in_both_languages(key: str) -> None:
    en, zh = TABLE[key]["en"], TABLE[key]["zh"]
    assert (en.strip() and zh.strip()) or key == "say.sep"  # sentences join with nothing in Chinese
    assert set(PLACEHOLDER.findall(en)) == set(PLACEHOLDER.findall(zh)), key
    assert not latin_words(zh), (key, latin_words(zh))
    # Chinese punctuation beside Chinese characters: no ASCII colon or comma between them.
    assert not re.search(r"[\u4e00-\u9fff][:,;?!]|[:,;?!][\u4e00-\u9fff]", zh), zh


def message_keys() -> set[str]:
    """Every message key the server sends: run.end's (RunOver, Closing) and the errors'."""
    keys: set[str] = set()
    for path in APP.rglob("*.py"):
        text = path.read_text()
        keys |= set(re.findall(r'"(end\.[a-z_]+)"', text))
        keys |= set(re.findall(r'key="([a-z]+\.[a-z_]+)"', text))
    return keys


def test_every_message_the_server_sends_has_both_languages() -> None:
    keys = message_keys()
    assert {"end.all_exited", "end.time_limit", "pipeline.empty"} <= keys
    missing = sorted(k for k in keys if k not in TABLE)
    assert not missing, missing


def test_every_way_a_run_ends_is_worded_in_both_languages() -> None:
    """The page says why a run ended from its reason (`say.end.<reason>`), not the raw word."""
    reasons = typing.get_args(RunEnd.model_fields["reason"].annotation)
    assert {"exited", "teacher-left", "replica-lost"} <= set(reasons)
    missing = sorted(r for r in reasons if f"say.end.{r}" not in TABLE)
    assert not missing, missing


def test_every_role_has_a_name_in_both_languages() -> None:
    """A process is named by its role in a sentence: 写进程（29637）阻塞在 write. A role
    that is a program's own name (ls, wc) stays as it is, as code."""
    for scenario in all_scenarios():
        if scenario.backend == "runner":
            roles = set(scenario.program().procs)
        else:
            roles = set(scenario.request({})["trace"].get("roles", []))
        for role in roles - set(COMMANDS):
            assert f"proc.role.{role}" in TABLE, (scenario.name, role)


def test_the_checker_finds_an_english_word() -> None:
    assert latin_words("服务器的说明：every process has exited。") == [
        "every",
        "process",
        "has",
        "exited",
    ]
    assert latin_words("写进程（29637）阻塞在 write，fd[1] 指向 pipe:[8322]，收到 SIGPIPE") == []


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.name)
def test_a_scenarios_texts_read_as_prose_in_both_languages(scenario: object) -> None:
    """Titles, summaries and notices: every backtick opens or closes a code span (the page
    shows it as code, never as a backtick), and a Chinese one holds no English word outside
    code."""
    for field in ("title", "summary", "notice"):
        texts = getattr(scenario, field)
        assert set(texts) == {"en", "zh"}, (field, texts)
        for text in texts.values():
            # a title is also the tab's name, plain text; the others show `code` as code
            assert "`" not in text if field == "title" else text.count("`") % 2 == 0, text
        assert not latin_words(texts["zh"]), (field, latin_words(texts["zh"]))
