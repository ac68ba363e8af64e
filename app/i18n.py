"""UI strings in English and 简体中文, shared by the server-rendered pages and the browser.

`static/i18n/strings.json` holds the strings every page uses, and one more file a kind of
kernel object (`static/i18n/<kind>.json`) those of its views (`share.json`: sharing a run,
and the embed); together they hold every string of the UI, and a key may live in one file
only. The server renders the first paint from them
(so the gallery appears in the chosen language with no flash), and the
page embeds the same table for the browser to switch language without a reload.
"""

from __future__ import annotations

import json
from functools import cache

from starlette.requests import Request

from app.templating import STATIC_DIR

LANGS = ("en", "zh")
COOKIE = "lang"
STRINGS_DIR = STATIC_DIR / "i18n"


@cache
def strings() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.json")):
        part: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        twice = sorted(set(part) & set(table))
        if twice:
            raise ValueError(f"{path.name} repeats keys another strings file has: {twice}")
        table.update(part)
    return table


def translate(lang: str, key: str, **values: object) -> str:
    """The string for key in lang; `{name}` placeholders are filled from values."""
    text = strings()[key][lang]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def choose_lang(request: Request) -> str:
    """?lang= first (a link someone shared), then the cookie, then the browser's preference."""
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGS:
        return asked
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"
