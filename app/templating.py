"""Where the page's templates and static files live, and the Jinja2 environment for them.

Routes render with `templates.TemplateResponse(request, "name.html", {...})`; static files
are served at `/static` (`request.url_for("static", path="css/x.css")` in a template).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)

CODE_SPAN = re.compile(r"`([^`]+)`")


def prose(text: str) -> Markup:
    """A scenario's text, whose `code` spans (a pipe's name, data, a command) are shown as
    code: escaped first, so only the spans become markup. static/js/i18n.js does the same."""
    return Markup(CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


templates.env.filters["prose"] = prose
