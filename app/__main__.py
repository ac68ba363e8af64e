"""`python -m app [--host H] [--port P]`: serve pipescope with uvicorn.

Command-line flags win over `PIPESCOPE_HOST` / `PIPESCOPE_PORT`, which win over the defaults
(127.0.0.1:8000: only this machine can connect unless told otherwise).
"""

from __future__ import annotations

import argparse

import uvicorn

from app.config import Settings
from app.main import create_app


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
    )


if __name__ == "__main__":
    main()
