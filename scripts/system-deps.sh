#!/usr/bin/env bash
# Debian packages pipescope needs, installing only what is missing.
#   scripts/system-deps.sh serve   what serving needs (`make serve`)
#   scripts/system-deps.sh test    that, and what the tests add (`make setup`, `make test`)
# The Dockerfile installs the serving list itself (plus tini), from the same reasoning.
set -euo pipefail
what="${1:-test}"
case "$what" in serve | test) ;; *) echo "usage: $0 serve|test" >&2; exit 2 ;; esac
need=()
# Serving: the strace backend traces with strace and compiles the C examples with gcc at run
# time; the sandbox's seccomp filter is built with libseccomp (pyseccomp loads it).
command -v strace >/dev/null || need+=(strace)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
# grep reads it all (no -q): an early exit would SIGPIPE ldconfig and fail the pipeline.
ldconfig -p 2>/dev/null | grep 'libseccomp\.so\.2' >/dev/null || need+=(libseccomp2)
if [ "$what" = test ]; then
  # The browser tests: Debian's chromium, and CJK fonts for the Chinese pages.
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
  # The PostgreSQL run store's tests: initdb and pg_ctl (not on PATH in Debian). The tests
  # make and start a throwaway cluster of their own (tests/postgres_server.py), never the
  # `main` cluster the package may start.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
  # The broker's tests (several replicas): redis-server, started by the tests on a port of
  # their own (tests/redis_server.py), never the service the package may start.
  command -v redis-server >/dev/null || need+=(redis-server)
  # The classroom proxy's test runs compose.yaml's nginx configuration (deploy/nginx.conf)
  # in front of two replicas (tests/nginx_proxy.py), in a directory of its own.
  [ -x /usr/sbin/nginx ] || need+=(nginx-light)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
