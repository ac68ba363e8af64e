"""The image, proven: the Dockerfile built with podman and run as the README says, checked
from outside as a user of Docker would (published port, REST API, `podman healthcheck`),
and from the host's /proc for what no API says (uids, capabilities, PID 1).

One image for the module; a container for each way the README runs it. Never skipped: with
no podman, or no base to build from, each test fails saying what sets it up."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from podman_run import (
    ROOT,
    Container,
    build,
    children,
    docker_like_seccomp,
    inspect,
    layers,
    listening,
    podman,
    reachable,
    require_podman,
    running,
    status_fields,
)
from service_client import Client, check_hello_pipe

pytestmark = pytest.mark.timeout(900)  # a cold build: about half a minute here, more if busy
TAG = "localhost/pipescope-image-test"
SERVER_UID = "10001"
NO_CAPS = "0000000000000000"
# Not needed to build, and large: left out of the copy of the checkout the build reads.
NOT_READ = {".git", ".venv", ".venv-lock", "artifacts", "screenshots", "__pycache__"}
TRACED_S = 90  # a traced scenario compiles its C program with gcc on first use


@pytest.fixture(scope="module")
def image() -> str:
    require_podman()
    build(ROOT, TAG)
    return TAG


@pytest.fixture(scope="module")
def seccomp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return docker_like_seccomp(tmp_path_factory.mktemp("seccomp") / "docker-like.json")


@pytest.fixture(scope="module")
def traced(image: str, seccomp: Path) -> Iterator[Container]:
    """As the README runs it to see pipe bytes: Docker's seccomp rules, CAP_SYS_PTRACE."""
    with running(image, "--security-opt", f"seccomp={seccomp}", "--cap-add", "SYS_PTRACE") as box:
        yield box


def run_to_end(url: str, scenario: str, wait_s: float = 30) -> list[dict[str, Any]]:
    api = Client(url)
    run = api.start(scenario=scenario)
    end = time.monotonic() + wait_s
    while api.run(run["id"])["status"] != "ended":
        assert time.monotonic() < end, f"{scenario} did not end in {wait_s} s"
        time.sleep(0.1)
    events = api.events(run["id"])
    assert events[-1]["type"] == "run.end" and events[-1]["reason"] == "exited", events[-1]
    return events


def pipe_bytes(events: list[dict[str, Any]]) -> list[int | None]:
    return [pipe["bytes"] for e in events for pipe in e.get("state", {}).get("pipes", [])]


def test_healthy_with_tini_as_pid_1_and_the_server_not_root(traced: Container) -> None:
    assert traced.health() == "healthy"
    assert reachable(traced.url)
    init = traced.init_pid()
    assert Path(f"/proc/{init}/comm").read_text().strip() == "tini"
    (server,) = children(init)
    status = status_fields(server)
    assert status["Uid"].split() == [SERVER_UID] * 4, status["Uid"]
    # the container has CAP_SYS_PTRACE, the web server none: it stays with the fork server
    for kind in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert status[kind] == NO_CAPS, (kind, status[kind])
    (fork_server,) = children(server)
    assert status_fields(fork_server)["Uid"].split()[0] == "0"


def test_hello_pipe_and_its_traced_twin_run_to_their_end_with_pipe_bytes(
    traced: Container,
) -> None:
    check_hello_pipe(run_to_end(traced.url, "hello-pipe"))  # bytes 11, then 0
    events = run_to_end(traced.url, "trace-hello-pipe", TRACED_S)  # strace, gcc at run time
    assert events[0]["backend"] == "strace"
    write = next(e for e in events if e["type"] == "call.return" and e["call"] == "write")
    assert (write["ret"], write["data"]) == (11, "hello pipe\\n")
    # counted (whether the 11 bytes are still queued when strace stops the writer depends on
    # whether the child was already blocked in its read: then the kernel hands them over)
    assert any(isinstance(count, int) for count in pipe_bytes(events))


def test_without_sys_ptrace_under_dockers_seccomp_rules_pipe_bytes_are_null(
    image: str, seccomp: Path
) -> None:
    with running(image, "--security-opt", f"seccomp={seccomp}") as box:
        events = run_to_end(box.url, "hello-pipe")
    bytes_seen = pipe_bytes(events)
    assert bytes_seen and set(bytes_seen) == {None}
    said = [e["data"] for e in events if e["type"] == "call.return" and e["call"] == "read"]
    assert said == ["hello pipe\\n"]  # and nothing else changes


def test_the_port_comes_from_pipescope_port_and_the_healthcheck_follows_it(image: str) -> None:
    with running(image, "-e", "PIPESCOPE_PORT=9123", port=9123) as box:
        assert box.health() == "healthy"
        assert reachable(box.url)
        assert ("0.0.0.0", 9123) in listening(box)


def test_the_address_comes_from_pipescope_host(image: str) -> None:
    """Nothing in the image's command overrides it: told 127.0.0.1, the server is closed to
    the published port, and its healthcheck (from inside) still passes."""
    with running(image, "-e", "PIPESCOPE_HOST=127.0.0.1") as box:
        assert ("127.0.0.1", 8000) in listening(box)
        assert not reachable(box.url)


def test_docker_stop_shuts_the_server_down_cleanly(image: str) -> None:
    with running(image) as box:
        stopped = podman("stop", "--time", "20", box.name)
        assert stopped.returncode == 0, stopped.stderr
        assert inspect(box.name, "{{.State.ExitCode}}") == "0"
        assert "Application shutdown complete." in box.logs()


def test_a_change_to_the_code_rebuilds_no_dependency_layer(image: str, tmp_path: Path) -> None:
    """The same build context with one line added to app/: every layer up to the code's is
    reused from the cache, the Debian packages' and the locked venv's included."""
    context = tmp_path / "context"
    shutil.copytree(ROOT, context, ignore=lambda _, names: NOT_READ.intersection(names))
    with (context / "app" / "__init__.py").open("a") as source:
        source.write("# touched by tests/image\n")
    build(context, TAG + "-touched")
    try:
        before, after = layers(image), layers(TAG + "-touched")
    finally:
        podman("rmi", TAG + "-touched")  # its layers but the last are the image's
    assert len(before) == len(after) and before[:-1] == after[:-1]
    assert before[-1] != after[-1]  # COPY app, the last
