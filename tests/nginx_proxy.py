"""The classroom proxy for the tests: Debian's nginx (scripts/system-deps.sh installs it)
with the very configuration compose.yaml ships (deploy/nginx.conf), its upstreams and port
pointed at the replicas a test started on loopback, everything else as shipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service_client import ROOT, free_port

SHIPPED = ROOT / "deploy" / "nginx.conf"
UPSTREAMS = ("replica-a:8000", "replica-b:8000")


def configured(upstreams: list[str], port: int, root: Path) -> str:
    """deploy/nginx.conf for this machine: the replicas' ports, a port of its own, and its
    files under `root` (not /var/lib/nginx, /run: the test may not be root)."""
    text = SHIPPED.read_text()
    for shipped, here in zip(UPSTREAMS, upstreams, strict=True):
        assert shipped in text, f"{SHIPPED} no longer names {shipped}"
        text = text.replace(shipped, here)
    assert "listen 8080;" in text
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    files = "".join(
        f"    {name}_temp_path {root / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + files + f"    access_log {root}/access.log;\n", 1)
    return f"pid {root}/nginx.pid;\nerror_log {root}/error.log;\n" + text


@contextlib.contextmanager
def proxy(upstreams: list[str]) -> Iterator[str]:
    """nginx in front of `upstreams` (host:port); its base URL."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed: scripts/system-deps.sh test")
        pytest.skip("nginx is not installed (scripts/system-deps.sh test)")
    root = Path(tempfile.mkdtemp(prefix="pipescope-nginx-"))
    os.chmod(root, 0o755)  # its workers (nobody, when we are root) read what is here
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(configured(upstreams, port, root))
    proc = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 20
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > end:
                log = (root / "error.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"nginx did not start: {log}")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)
