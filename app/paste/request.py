"""A pasted C source, checked where it comes in: the run request its supervisor gets."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError

PASTED = "pasted"  # the run's scenario name: a student's own program


def refuse(message: str, kind: str, **ctx: Any) -> RequestValidationError:
    return RequestValidationError(
        [{"type": kind, "loc": ("body", "c_source"), "msg": message, "input": None, "ctx": ctx}]
    )


def pasted_request(source: str, all_calls: bool, settings: Any) -> dict[str, Any]:
    """The strace backend's request for `source`, after the checks a request can make: its
    size, and text gcc can read. What the program does is the sandbox's to bound."""
    most = int(settings.max_source_kb)
    try:
        size = len(source.encode("utf-8"))
    except UnicodeEncodeError as err:  # a lone surrogate, from a \ud800 escape in the JSON
        raise refuse(
            f"the C source is not text: character {err.start} is a lone surrogate "
            f"(\\u{ord(source[err.start]):04x}); paste the file as UTF-8 text",
            "paste.not_text",
            at=err.start,
        ) from None
    if size > most << 10:
        raise refuse(
            f"the C source is {size} bytes; at most {most} KiB is taken",
            "paste.too_large",
            most_kb=most,
        )
    if not source.strip():
        raise refuse("the C source is empty", "paste.empty")
    if "\0" in source:
        raise refuse("the C source holds a NUL character", "paste.nul")
    return {
        "backend": "strace",
        "trace": {
            "c_source": source,
            "all_calls": bool(all_calls),
            "compile": settings.compile_limits(),
        },
    }


EXAMPLE_SOURCE = """#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) {
        char buf[64];
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
