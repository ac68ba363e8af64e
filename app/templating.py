"""Where the page's templates and static files live, and the Jinja2 environment for them.

Routes render with `templates.TemplateResponse(request, "name.html", {...})`; static files
are served at `/static` (`request.url_for("static", path="css/x.css")` in a template).
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
