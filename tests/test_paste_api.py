"""A student's own C program through the API: the size cap, bad fields, gcc's errors on their
lines, the cache, and the student's lines on the traced calls."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from service_client import Client

PIPE_PROGRAM = """#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) {
        char buf[32];
        close(fds[1]);
        ssize_t n = read(fds[0], buf, sizeof buf);
        printf("child read %zd bytes\\n", n);
        return 0;
    }
    close(fds[0]);
    write(fds[1], "hello\\n", 6);
    close(fds[1]);
    wait(NULL);
    return 0;
}
"""
BROKEN = """#include <stdio.h>

int main(void) {
    int x = 1;
    printf("%d\\n", y);
    return 0;
}
"""


SESSION = uuid.uuid4().hex  # the paste cache outlives a test session: sources of this one


def unique(text: str, tag: str) -> str:
    """The same program, as a source nothing has compiled yet: a comment of its own."""
    return text + f"/* {tag} {SESSION} */\n"


def test_a_pasted_pipe_program_compiles_runs_and_knows_its_lines(api: Client) -> None:
    run = api.start(c_source=unique(PIPE_PROGRAM, "lines"))
    api.wait_ended(run["id"])
    events = api.events(run["id"])
    assert events[-1]["reason"] == "exited", events[-1]
    compiled = next(e for e in events if e["type"] == "compile")
    assert compiled["ok"] and compiled["diagnostics"] == []
    lines = {(e["call"], e.get("line")) for e in events if e["type"] == "call.return"}
    assert ("pipe", 8) in lines and ("write", 17) in lines and ("read", 12) in lines, lines
    assert ("wait4", 19) in lines, lines
    page = api.http.get(f"/runs/{run['id']}")
    assert "write(fds[1], " in page.text  # the student's own source on the run page


def test_each_threads_call_is_on_that_threads_own_line(api: Client) -> None:
    """A thread's line is read from its own stack (/proc/TID/syscall), not the main
    thread's, which sleeps in pthread_join meanwhile."""
    program = (Path(__file__).parent / "data" / "c" / "threads_pipe.c").read_text()
    run = api.start(c_source=unique(program, "thread-lines"))
    api.wait_ended(run["id"])
    events = api.events(run["id"])
    assert events[-1]["reason"] == "exited", events[-1]
    pid = next(e["pid"] for e in events if e["type"] == "thread.start")
    worker = {
        (e["call"], e["line"])
        for e in events
        if e["type"] == "call.enter" and e["tid"] != pid and e["call"] in ("read", "write")
    }
    # The writer's write and read (lines 13, 14), the reader's read and write (22, 23).
    assert worker == {("write", 13), ("read", 14), ("read", 22), ("write", 23)}, worker
    # The main thread sleeps in pthread_join's futex meanwhile (its own /proc/TID), which
    # strace does not show; a thread inside a shown call is said to be in that, not asleep.
    rows = [t for e in events for p in e["state"]["procs"] for t in p["threads"]]
    assert any(t["tid"] == pid and t["waiting"] == "futex" for t in rows)
    assert all(t["waiting"] is None for t in rows if t["call"] or t["status"] != "running")


def test_the_second_run_of_the_same_source_compiles_nothing(api: Client) -> None:
    source = unique(PIPE_PROGRAM, "cache")
    first = api.start(c_source=source)
    api.wait_ended(first["id"])
    second = api.start(c_source=source)
    api.wait_ended(second["id"])
    said = [next(e for e in api.events(r["id"]) if e["type"] == "compile") for r in (first, second)]
    assert [s["cached"] for s in said] == [False, True]


def test_a_compile_error_is_told_with_its_line_and_gcc_words(api: Client) -> None:
    run = api.start(c_source=unique(BROKEN, "broken"))
    api.wait_ended(run["id"])
    events = api.events(run["id"])
    assert events[-1]["reason"] == "compile-error"
    assert events[-1]["message_key"] == "end.compile_error"
    compiled = next(e for e in events if e["type"] == "compile")
    errors = [d for d in compiled["diagnostics"] if d["severity"] == "error"]
    assert errors[0]["line"] == 5 and errors[0]["column"] == 20
    assert "'y' undeclared" in errors[0]["message"].replace("‘", "'").replace("’", "'")
    assert not [e for e in events if e["type"] == "proc.start"]


def test_a_source_past_the_cap_or_a_bad_field_is_a_4xx_naming_it(api: Client) -> None:
    big = api.http.post("/api/runs", json={"c_source": "//" + "x" * (33 << 10)})
    assert big.status_code in (413, 422), big.text
    if big.status_code == 422:
        assert "c_source" in str(big.json())
    for body in (
        {"c_source": 5},
        {"c_source": "   "},
        {"c_source": "int main(){}\0"},
        {"c_source": "int main(void){return 0;}", "scenario": "hello-pipe"},
        {"c_source": "int main(void){return 0;}", "params": {"a": 1}},
    ):
        reply = api.http.post("/api/runs", json=body)
        assert reply.status_code == 422, (body, reply.text)
        named = "params" if "params" in body else "c_source"
        assert named in str(reply.json()), (body, reply.text)
    # A lone surrogate (JSON may escape one; no UTF-8 text holds it) is no source either.
    lone = '{"c_source": "int main(void){return 0;}\\ud800"}'
    reply = api.http.post("/api/runs", content=lone, headers={"content-type": "application/json"})
    assert reply.status_code == 422 and reply.json()["field"] == "c_source", reply.text
    assert "lone surrogate" in reply.json()["error"]


# Each level doubles what the preprocessor makes: 2**26 copies is more than any limit allows.
SLOW = (
    "#define A0 x = x + 1;\n"
    + "".join(f"#define A{i} A{i - 1} A{i - 1}\n" for i in range(1, 27))
    + "int main(void) { int x = 0; A26 return x; }\n"
)


def test_a_compile_past_its_cpu_or_memory_limit_is_stopped(start_server: Any) -> None:
    with start_server(compile_s=1, compile_memory_mb=256) as srv:
        api = Client(srv.url)
        run = api.start(c_source=unique(SLOW, "slow"))
        api.wait_ended(run["id"])
        events = api.events(run["id"])
        compiled = next(e for e in events if e["type"] == "compile")
        assert not compiled["ok"] and compiled["seconds"] < 10, compiled
        # gcc itself saw its helper die of the rlimit (the wall-time backstop says nothing).
        assert any("cc1" in d["message"] for d in compiled["diagnostics"]), compiled
        assert events[-1]["reason"] == "compile-error", events[-1]
        assert not [e for e in events if e["type"] == "proc.start"]
