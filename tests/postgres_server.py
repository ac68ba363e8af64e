"""A throwaway PostgreSQL server for the tests and benches, on loopback: Debian's
`postgresql` binaries (scripts/system-deps.sh installs them), a cluster of our own made with
initdb in a temporary directory, started and stopped with pg_ctl.

Debian's package may make and start a cluster of its own (`main`, port 5432): nothing here
uses it. initdb and postgres refuse to run as root, and the tests often are root (CI is): then
the cluster belongs to `nobody`, in a directory of its own under /tmp that it owns (a
pytest tmp_path under /tmp/pytest-of-root is not reachable by another user).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from service_client import free_port

UNPRIVILEGED = "nobody"
SUPERUSER = "pipescope"


def bin_dir() -> Path | None:
    """Where Debian's initdb and pg_ctl are (they are not on PATH there), newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(versions[-1]).parent if versions else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


class Cluster:
    """initdb'd once; start, stop (as an operator would, or as a crash), start again on the
    same port; `database()` a fresh database's URL."""

    def __init__(self, bin_path: Path, fsync: bool = False) -> None:
        self.bin = bin_path
        self.root = Path(tempfile.mkdtemp(prefix="pipescope-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.fsync = fsync
        self._databases = 0
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            who = pwd.getpwnam(UNPRIVILEGED)
            os.chown(self.root, who.pw_uid, who.pw_gid)
            self._as = {"user": who.pw_uid, "group": who.pw_gid, "extra_groups": []}
        os.chmod(self.root, 0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"-c fsync={'on' if self.fsync else 'off'} -c shared_buffers=16MB"
        )
        log = self.root / "server.log"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: as `systemctl stop` does (clients are told, then cut off); `immediate`: as
        a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        status = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        return status.returncode == 0

    def database(self) -> str:
        """A new, empty database; its URL."""
        self._databases += 1
        name = f"t{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def destroy(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.bin / tool), *args],
            cwd=self.root,
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(self.root),
                "LC_ALL": "C",
            },
            capture_output=True,
            text=True,
            timeout=120,
            **self._as,
        )
        if check and done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stderr}\n{tail}")
        return done


def new_cluster() -> Cluster:
    """A cluster, made but not started; the test is skipped where PostgreSQL is not installed,
    except in CI, where scripts/system-deps.sh installs it (a skip there would hide that)."""
    found = bin_dir()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's initdb is not installed: scripts/system-deps.sh test")
        pytest.skip("PostgreSQL's initdb is not installed (scripts/system-deps.sh test)")
    return Cluster(found)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A cluster, started, and destroyed after (a session fixture's)."""
    cluster = new_cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
