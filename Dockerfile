# pipescope in a container:
#   docker build -t pipescope . && docker run --rm -p 8000:8000 pipescope
# For a shared server add --init --pids-limit 512 --memory 2g (see README, "Docker").
# Without --cap-add SYS_PTRACE the runner may not borrow a run's fds (pidfd_getfd): pipes
# then show `bytes: null` (the ring is still modelled from the calls), and nothing else
# changes. Runs never get the capability: it stays with the runner, outside the sandbox.

# -- the Python dependencies, in a venv the final image copies ------------------------------
FROM python:3.11-slim AS deps
WORKDIR /src
COPY pyproject.toml ./
COPY app ./app
# Install the project to get its dependencies, then drop the installed copy of `app`: the
# server runs from /srv/pipescope, where templates/, static/ and examples/ sit beside it.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir . \
 && /opt/venv/bin/pip uninstall --yes pipescope

# -- the image: Python, strace, gcc, the app; no test tools ---------------------------------
# The strace backend compiles the C examples with gcc at run time, on first use and again for
# each set of parameter values (app/strace/build.py), into ~/.cache/pipescope/bin when the
# checkout is not writable: so gcc and libc6-dev are here, not in a build stage.
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install --yes --no-install-recommends strace gcc libc6-dev libseccomp2 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin pipescope
COPY --from=deps /opt/venv /opt/venv
WORKDIR /srv/pipescope
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY examples ./examples
# The entrypoint is root only to be the privileged part (docs/security.md): the fork server
# stays root to give each run a uid of its own (from 20000, which a user-namespace-remapped
# Docker can map), and the web server becomes `pipescope` once the fork server is up.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIPESCOPE_SERVER_USER=pipescope \
    PIPESCOPE_RUN_UID_BASE=20000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PIPESCOPE_PORT', '8000'), timeout=2)"
# 0.0.0.0 inside the container; `-p 127.0.0.1:8000:8000` keeps it to this machine.
CMD ["python", "-m", "app", "--host", "0.0.0.0"]
