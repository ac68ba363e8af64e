"""Every setting of app/config.py has a row in the README's settings table."""

import re
from pathlib import Path

from app.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def table_names() -> set[str]:
    table = README[README.index("### Settings") :]
    table = table[: table.index("\n## ")]
    rows = [line for line in table.splitlines() if line.startswith("| `PIPESCOPE_")]
    return {
        name for row in rows for name in re.findall(r"`(PIPESCOPE_[A-Z_]+)`", row.split(" | ")[0])
    }


def test_every_setting_is_in_the_readme_table() -> None:
    documented = table_names()
    missing = {"PIPESCOPE_" + name.upper() for name in Settings.model_fields} - documented
    assert not missing, f"add a row to the README's settings table for {sorted(missing)}"


def test_the_check_sees_the_table() -> None:
    assert {"PIPESCOPE_DATA_DIR", "PIPESCOPE_PORT", "PIPESCOPE_STORE_MAX_MB"} <= table_names()
    assert "PIPESCOPE_NO_SUCH_SETTING" not in table_names()
