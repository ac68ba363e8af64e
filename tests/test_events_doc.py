"""docs/events.md documents every event type and every field of app/events.py."""

import re
from pathlib import Path

from app.events import EVENT_MODELS, SOCKET_MESSAGES, STATE_MODELS, event_type

DOC = (Path(__file__).resolve().parents[1] / "docs" / "events.md").read_text()


def documented_fields(section: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)`", section, re.M)) | {
        name
        for row in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)+) \|", section, re.M)
        for name in re.findall(r"`([a-z_]+)`", row)
    }


def section_of(heading: str) -> str:
    start = DOC.index(heading)
    rest = DOC[start + len(heading) :]
    end = re.search(r"^#{2,3} ", rest, re.M)
    return rest[: end.start()] if end else rest


def test_every_event_type_has_a_section_naming_each_of_its_fields() -> None:
    common = documented_fields(section_of("## Fields every event has"))
    for model in EVENT_MODELS:
        name = event_type(model)
        own = documented_fields(section_of(f"### `{name}`"))
        missing = set(model.model_fields) - common - own
        assert not missing, f"{name}: undocumented {sorted(missing)}"


def test_every_state_field_is_documented() -> None:
    documented = documented_fields(DOC[DOC.index("## state") :])
    for model in STATE_MODELS:
        missing = set(model.model_fields) - documented
        assert not missing, f"{model.__name__}: undocumented {sorted(missing)}"


def test_every_other_message_of_the_socket_has_a_section_naming_each_of_its_fields() -> None:
    for name, model in SOCKET_MESSAGES.items():
        missing = set(model.model_fields) - documented_fields(section_of(f"### `{name}`"))
        assert not missing, f"{name}: undocumented {sorted(missing)}"


def test_the_check_itself_would_notice_a_missing_field() -> None:
    assert "no_such_field" not in documented_fields(DOC)
    assert {"seq", "state", "blocked_on", "nslots"} <= documented_fields(DOC)
