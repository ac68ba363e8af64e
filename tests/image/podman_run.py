"""The image as `docker build` / `docker run` make it, with Debian's podman (no daemon, no
registry: scripts/image-deps.sh sets it up and makes the base). Helpers for test_image.py."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from service_client import free_port

ROOT = Path(__file__).resolve().parents[2]
SECCOMP_DEFAULT = Path("/usr/share/containers/seccomp.json")
START_S = 60  # a container on a busy machine: healthy in about a second here
SETUP = "scripts/image-deps.sh sets it up (`make test` runs it first)"


def podman(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def base_image() -> str:
    """The Dockerfile's pinned base, `python:3.11-slim-bookworm`, as podman names it."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("ARG BASE="):
            return "docker.io/library/" + line.removeprefix("ARG BASE=")
    raise AssertionError("the Dockerfile names no base (ARG BASE=...)")


def require_podman() -> None:
    """Fail, saying what is missing and what sets it up: this test never skips, so CI cannot
    pass without having built and run the image."""
    if shutil.which("podman") is None:
        pytest.fail(f"podman is not installed: {SETUP}", pytrace=False)
    if podman("image", "exists", base_image()).returncode != 0:
        pytest.fail(f"podman has no {base_image()} to build from: {SETUP}", pytrace=False)


def build(context: Path, tag: str) -> None:
    """`podman build` as `docker build`: the docker format keeps the HEALTHCHECK (OCI drops
    it), and --pull=never takes the base from local storage, as there is no registry."""
    done = podman(
        "build", "--format", "docker", "--pull=never", "-t", tag, str(context), timeout=900
    )
    if done.returncode != 0:
        pytest.fail(f"podman build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def layers(tag: str) -> list[str]:
    found: list[str] = json.loads(inspect(tag, "{{json .RootFS.Layers}}", kind="image"))
    return found


def inspect(name: str, template: str, kind: str = "container") -> str:
    done = podman(kind, "inspect", "--format", template, name)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def docker_like_seccomp(path: Path) -> Path:
    """Podman's default seccomp profile, changed where Docker's differs for us: Docker allows
    pidfd_getfd only to a container with CAP_SYS_PTRACE; podman allows it to all."""
    profile = json.loads(SECCOMP_DEFAULT.read_text())
    unconditional = [
        rule
        for rule in profile["syscalls"]
        if "pidfd_getfd" in rule["names"] and rule["action"] == "SCMP_ACT_ALLOW"
    ]
    assert unconditional, "podman's profile no longer allows pidfd_getfd: revisit this test"
    for rule in unconditional:
        rule["names"].remove("pidfd_getfd")
    profile["syscalls"].append(
        {
            "names": ["pidfd_getfd"],
            "action": "SCMP_ACT_ALLOW",
            "includes": {"caps": ["CAP_SYS_PTRACE"]},
        }
    )
    path.write_text(json.dumps(profile))
    return path


@dataclass
class Container:
    name: str
    url: str  # the published port on 127.0.0.1

    def health(self) -> str:
        """Run the image's HEALTHCHECK now (no systemd timer calls it here), then its state."""
        podman("healthcheck", "run", self.name)
        return inspect(self.name, "{{.State.Health.Status}}")

    def init_pid(self) -> int:
        """The host's pid of the container's PID 1."""
        return int(inspect(self.name, "{{.State.Pid}}"))

    def exec(self, *argv: str) -> str:
        done = podman("exec", self.name, *argv)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def logs(self) -> str:
        done = podman("logs", self.name)
        return done.stdout + done.stderr


@contextlib.contextmanager
def running(image: str, *options: str, port: int = 8000) -> Iterator[Container]:
    """`docker run -d -p 127.0.0.1:HOSTPORT:port OPTIONS image`, removed afterwards."""
    name = f"pipescope-test-{uuid.uuid4().hex[:8]}"
    url = f"http://127.0.0.1:{free_port()}"
    published = f"{url.removeprefix('http://')}:{port}"
    started = podman("run", "-d", "--name", name, "-p", published, *options, image)
    assert started.returncode == 0, started.stderr
    box = Container(name, url)
    try:
        wait_healthy(box)
        yield box
    finally:
        podman("rm", "--force", "--time", "5", name)


def wait_healthy(box: Container) -> None:
    end = time.monotonic() + START_S
    while (health := box.health()) != "healthy":
        state = inspect(box.name, "{{.State.Status}}")
        assert state == "running", f"the container stopped ({state}):\n{box.logs()}"
        assert time.monotonic() < end, f"not healthy after {START_S} s ({health}):\n{box.logs()}"
        time.sleep(0.5)


def reachable(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url + "/healthz", timeout=5).status_code == 200
    return False


def status_fields(pid: int) -> dict[str, str]:
    """/proc/PID/status, as a dict: Uid, CapEff, ..."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def listening(box: Container) -> set[tuple[str, int]]:
    """The TCP sockets listening inside the container, as (address, port)."""
    found = set()
    for line in box.exec("cat", "/proc/net/tcp").splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A":  # TCP_LISTEN
            address, port = local.split(":")
            octets = bytes.fromhex(address)[::-1]  # little-endian on the machines we run on
            found.add((".".join(str(b) for b in octets), int(port, 16)))
    return found
