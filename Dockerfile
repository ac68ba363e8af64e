# pipescope in a container:
#   docker build -t pipescope . && docker run --rm -p 8000:8000 pipescope
# For a shared server add --pids-limit 512 --memory 2g (see README, "Docker").
# Without --cap-add SYS_PTRACE the runner may not borrow a run's fds (pidfd_getfd): pipes
# then show `bytes: null` (the ring is still modelled from the calls), and nothing else
# changes. Runs never get the capability: it stays with the runner, outside the sandbox.
# Settings are PIPESCOPE_* variables (`-e PIPESCOPE_PORT=9000`): the HEALTHCHECK follows
# them, so set the port that way rather than with a `--port` flag.

# The base is pinned by Debian release: Python 3.11 on bookworm, which is what the lock in
# requirements/ was resolved for. (tests/image/ builds this file with a stand-in base of the
# same name, made from Debian's packages: scripts/image-deps.sh.)
ARG BASE=python:3.11-slim-bookworm

# -- the Python dependencies, from the lock, in a venv the final image copies --------------
# Only the lock is copied in here, so a change to the code never reinstalls them.
FROM ${BASE} AS deps
COPY requirements/runtime.txt /tmp/runtime.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
      --require-hashes --no-deps -r /tmp/runtime.txt

# -- the image: Python, strace, gcc, tini, the app; no test tools --------------------------
# The strace backend compiles the C examples with gcc at run time, on first use and again for
# each set of parameter values (app/strace/build.py), into ~/.cache/pipescope/bin when the
# checkout is not writable: so gcc and libc6-dev are here, not in a build stage.
# tini is PID 1: it forwards `docker stop`'s SIGTERM to the server and reaps any process
# that escapes a run (a PID 1 that is not an init does neither).
FROM ${BASE}
RUN apt-get update \
 && apt-get install --yes --no-install-recommends strace gcc libc6-dev libseccomp2 tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin pipescope \
 && mkdir /data && chown pipescope:pipescope /data
COPY --from=deps /opt/venv /opt/venv
# The entrypoint is root only to be the privileged part (docs/security.md): the fork server
# stays root to give each run a uid of its own (from 20000, which a user-namespace-remapped
# Docker can map), and the web server becomes `pipescope` once the fork server is up.
# 0.0.0.0 inside the container; `-p 127.0.0.1:8000:8000` keeps it to this machine.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIPESCOPE_HOST=0.0.0.0 \
    PIPESCOPE_PORT=8000 \
    PIPESCOPE_SERVER_USER=pipescope \
    PIPESCOPE_RUN_UID_BASE=20000 \
    PIPESCOPE_DATA_DIR=/data
# The run store (docs/store.md), written by the web server's user: `-v NAME:/data` keeps it.
VOLUME /data
EXPOSE 8000
# -s: reap as a subreaper too when `docker run --init` puts another init at PID 1. -e 143:
# the server stopped by SIGTERM (`docker stop`) shuts down cleanly, then exits by that
# signal, as uvicorn does: that is a clean stop, exit code 0.
ENTRYPOINT ["/usr/bin/tini", "-s", "-e", "143", "--"]
CMD ["python", "-m", "app"]
# Asks the port the server was told, from inside the container.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PIPESCOPE_PORT'], timeout=2)"]
WORKDIR /srv/pipescope
# The code last: a change to it rebuilds only these layers.
COPY templates ./templates
COPY static ./static
COPY examples ./examples
COPY app ./app
