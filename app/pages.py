"""HTML pages (Jinja2). Owned by the page work; the app factory includes `router`."""

from fastapi import APIRouter

router = APIRouter()
