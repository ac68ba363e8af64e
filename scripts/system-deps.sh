#!/usr/bin/env bash
# Debian packages the tests and the strace backend need. Installs only what is missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v strace >/dev/null || need+=(strace)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
# The sandbox's seccomp filter is built with libseccomp (pyseccomp loads it).
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || need+=(libseccomp2)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
