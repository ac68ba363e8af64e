"""`python -m app [--host H] [--port P]`: serve pipescope with uvicorn.

Command-line flags win over `PIPESCOPE_HOST` / `PIPESCOPE_PORT`, which win over the defaults
(127.0.0.1:8000: only this machine can connect unless told otherwise).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys

import uvicorn
from pydantic import ValidationError

from app.config import Settings
from app.main import create_app
from app.wire import PushingProtocol, SharedFramesProtocol

WS_HARD_MAX = 1 << 20


def main(argv: list[str] | None = None) -> None:
    try:
        settings = Settings()
    except ValidationError as invalid:
        sys.exit(settings_error(invalid))
    for warning in unknown_settings(os.environ):
        print(warning, file=sys.stderr)
    parser = argparse.ArgumentParser(prog="python -m app", description="Serve pipescope.")
    parser.add_argument("--host", default=settings.host, help=f"address to bind ({settings.host})")
    parser.add_argument(
        "--port", type=port_number, default=settings.port, help=f"port, 0-65535 ({settings.port})"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    args = parser.parse_args(argv)
    settings = settings.model_copy(update={"host": args.host, "port": args.port})
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,  # open WebSockets must not hold up the runs' cleanup
        # The peer address is the client (per-client limits): no proxy is trusted to say
        # otherwise, and X-Forwarded-Proto may not change the origin the Origin check sees.
        proxy_headers=False,
        # Messages past max_body_kb get an error object (app/ws.py); this is the frame no
        # viewer may make the server hold at all (it closes with 1009, message too big).
        ws_max_size=max(WS_HARD_MAX, 2 * settings.max_body_kb << 10),
        # A large class's viewers may share each event's frame (app/wire.py), at the cost
        # of compression; else each socket keeps its context. Both push (app/wire.py).
        ws=SharedFramesProtocol if settings.ws_shared_frames else PushingProtocol,
    )


def port_number(text: str) -> int:
    """argparse's type for --port: a bad value is one line of usage error, not a traceback,
    and never a port the OS would read some other way (70000 would bind 4464)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0 to 65535")
    return port


def settings_error(invalid: ValidationError) -> str:
    """One line a bad PIPESCOPE_* variable: its name, the value given, what it must be."""
    lines = []
    for error in invalid.errors():
        name = "PIPESCOPE_" + str(error["loc"][0]).upper() if error["loc"] else "PIPESCOPE_*"
        given = os.environ.get(name, "")
        lines.append(f"pipescope: {name}={given!r}: {error['msg']}")
    return "\n".join(lines)


def unknown_settings(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """A PIPESCOPE_* variable that is no setting is most likely a typo: say so, and which
    setting was probably meant, rather than run silently on a default."""
    names = ["PIPESCOPE_" + field.upper() for field in Settings.model_fields]
    warnings = []
    for name in sorted(v for v in environ if v.startswith("PIPESCOPE_") and v not in names):
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"pipescope: warning: {name} is not a setting, ignored{hint}")
    return warnings


if __name__ == "__main__":
    main()
