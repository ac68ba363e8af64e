"""A pasted C program: compile latency (gcc inside the run's sandbox), the cache's, the time
to the first event of the student's own code, and what mapping a call to its line costs.

Through a real server: each run POSTs a pipe program (a fresh comment each time, so that
it compiles; then once more the same source, from the cache), and times, on its WebSocket,
the `compile` event and the first `call.enter` with a line (the student's `pipe(fds)`).
Then, in this process, LineMap.line() on a compiled program stopped in a read.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
import uuid

from _service import Http, events_of, machine, percentile, server
from websockets.asyncio.client import connect

from app.paste import linemap
from app.paste.compile import CFLAGS, line_table

RUNS = 20
SOURCE = """#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) { char b[8]; read(fds[0], b, 8); return 0; }
    write(fds[1], "hi", 2);
    wait(NULL);
    return 0;
}
"""


async def one_run(http: Http, ws_base: str, source: str) -> tuple[float, float, float, bool]:
    """Milliseconds from the POST to the compile event, and to the first call on a line; the
    compile's own seconds as the supervisor measured them; whether it was cached."""
    t0 = time.perf_counter()
    run = await http.post("/api/runs", {"c_source": source})
    compiled_at = first_at = 0.0
    said: dict[str, object] = {}
    async with connect(ws_base + run["ws"]) as ws:
        async for message in ws:
            for e in events_of(message):
                if e["type"] == "compile":
                    compiled_at, said = time.perf_counter(), e
                if e["type"] == "call.enter" and e.get("line") and not first_at:
                    first_at = time.perf_counter()
    seconds = float(said["seconds"])  # type: ignore[arg-type]
    return (compiled_at - t0) * 1000, (first_at - t0) * 1000, seconds * 1000, bool(said["cached"])


def line_cost(calls: int = 2000) -> tuple[float, float, float]:
    """Microseconds: loading a program's line map, and one line() at p50 and p99."""
    folder = tempfile.mkdtemp()
    src, prog = os.path.join(folder, "prog.c"), os.path.join(folder, "prog")
    with open(src, "w") as f:
        # The child, once its parent is killed, reads EOF (it closed its own write end) and
        # exits: nothing of this benchmark outlives it.
        f.write(
            SOURCE.replace('write(fds[1], "hi", 2);', "sleep(30);").replace(
                "char b[8];", "char b[8]; close(fds[1]);"
            )
        )
    subprocess.run(["gcc", *CFLAGS, "-o", prog, src], check=True, cwd=folder)
    table = line_table(
        subprocess.run(
            ["objdump", "--dwarf=decodedline", prog], capture_output=True, text=True, cwd=folder
        ).stdout.replace(src, "prog.c")
    )
    child = subprocess.Popen([prog])
    time.sleep(0.3)  # the parent sleeps in clock_nanosleep, its child in read
    t0 = time.perf_counter()
    mapped = linemap.load(prog, table)
    load_us = (time.perf_counter() - t0) * 1e6
    times = []
    for _ in range(calls):
        mapped.forget(child.pid)  # the worst case: maps read each time, as after an exec
        t = time.perf_counter()
        line = mapped.line(child.pid)
        times.append((time.perf_counter() - t) * 1e6)
    assert line == 8, line  # sleep(30), on the line of the write it replaced
    cached = []
    for _ in range(calls):
        t = time.perf_counter()
        mapped.line(child.pid)
        cached.append((time.perf_counter() - t) * 1e6)
    child.kill()
    child.wait()
    print(f"line(): maps read each time p50 {percentile(times, 50):.1f} µs")
    return load_us, percentile(cached, 50), percentile(cached, 99)


async def main() -> None:
    with server() as srv:
        http = await Http.open(srv)
        fresh = [
            await one_run(http, srv.ws_url, SOURCE + f"/* {uuid.uuid4().hex} */\n")
            for _ in range(RUNS)
        ]
        same = SOURCE + f"/* {uuid.uuid4().hex} */\n"
        await one_run(http, srv.ws_url, same)
        hits = [await one_run(http, srv.ws_url, same) for _ in range(RUNS)]
        http.close()
    assert not any(f[3] for f in fresh) and all(h[3] for h in hits)
    print(f"machine: {machine()}")
    print(f"runs: {RUNS} fresh sources, then {RUNS} runs of one cached source, live")
    for name, values in (
        ("compile in the sandbox (supervisor's own clock)", [f[2] for f in fresh]),
        ("POST -> compile event, fresh source", [f[0] for f in fresh]),
        ("POST -> first call on a line, fresh source", [f[1] for f in fresh]),
        ("cache lookup (supervisor's own clock)", [h[2] for h in hits]),
        ("POST -> compile event, cached", [h[0] for h in hits]),
        ("POST -> first call on a line, cached", [h[1] for h in hits]),
    ):
        print(
            f"{name}: p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms, "
            f"max {max(values):.1f} ms"
        )
    load_us, p50, p99 = line_cost()
    print(f"line map load: {load_us:.0f} µs; line() p50 {p50:.1f} µs, p99 {p99:.1f} µs")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
