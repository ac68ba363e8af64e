"""Every setting is in the README's settings table, as its PIPESCOPE_* variable."""

import re
from pathlib import Path

from app.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def documented() -> set[str]:
    table = README[README.index("### Settings") :]
    rows = re.findall(r"^\| (`PIPESCOPE_[A-Z_]+`(?:, `PIPESCOPE_[A-Z_]+`)*) \|", table, re.M)
    return {name for row in rows for name in re.findall(r"`PIPESCOPE_([A-Z_]+)`", row)}


def test_every_setting_has_a_row() -> None:
    missing = {name.upper() for name in Settings.model_fields} - documented()
    assert not missing, f"settings missing from the README's table: {sorted(missing)}"


def test_the_check_would_notice_one_missing() -> None:
    assert "LESSON_WALL_S" in documented() and "NO_SUCH_SETTING" not in documented()
