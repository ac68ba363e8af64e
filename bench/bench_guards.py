"""What the service's guards cost a request (app/guards.py, app/headers.py): the Host check,
the security headers, the content-type check and reading the body before the route does.

2000 `GET /healthz` and 2000 `POST /api/runs/{unknown}/pause` (JSON, answered 404 by the
route after every guard has passed) on one kept-alive connection; milliseconds per request
as the client sees them. Run it on a checkout without the guards for the figure before.
"""

from __future__ import annotations

import asyncio
import time

from _service import Http, machine, percentile, server

REQUESTS = 2000
WARM = 100


async def timed(http: Http, method: str, path: str, body: dict[str, object] | None) -> float:
    start = time.perf_counter()
    await http.request(method, path, body)
    return (time.perf_counter() - start) * 1000


async def main() -> None:
    with server() as srv:
        http = await Http.open(srv)
        print(f"machine: {machine()}")
        for method, path, body in [
            ("GET", "/healthz", None),
            ("POST", "/api/runs/000000000000/pause", {}),
        ]:
            times = [await timed(http, method, path, body) for _ in range(WARM + REQUESTS)]
            times = times[WARM:]
            print(
                f"{method} {path}: p50 {percentile(times, 50):.3f} ms, "
                f"p99 {percentile(times, 99):.3f} ms over {REQUESTS} requests"
            )
        http.close()


if __name__ == "__main__":
    asyncio.run(main())
