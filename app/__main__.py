"""`python -m app [--host H] [--port P]`: serve pipescope with uvicorn.

Command-line flags win over `PIPESCOPE_HOST` / `PIPESCOPE_PORT`, which win over the defaults
(127.0.0.1:8000: only this machine can connect unless told otherwise).
"""

from __future__ import annotations

import argparse

import uvicorn

from app.config import Settings
from app.main import create_app

WS_HARD_MAX = 1 << 20


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m app", description="Serve pipescope.")
    parser.add_argument("--host", default=settings.host, help=f"address to bind ({settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port ({settings.port})")
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
    )


if __name__ == "__main__":
    main()
