#!/usr/bin/env bash
# What the image's test (tests/image/) needs to build and run the Dockerfile with podman on a
# Debian machine with no Docker daemon and no image registry; does only what is missing.
#   1. Debian's podman and its helpers;
#   2. /etc/containers/containers.conf, when there is none, with what these machines need;
#   3. the Dockerfile's base image, when podman has none of that name: a stand-in made from
#      Debian's packages with debootstrap (Debian's Python 3.11 in /usr/bin, where the
#      official image has its own build in /usr/local), trusting this machine's CAs.
# ../shared/field-notes-containers.md says why each step is there.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# -- 1. packages ---------------------------------------------------------------------------
packages=(podman buildah runc conmon catatonit netavark aardvark-dns containernetworking-plugins
  golang-github-containers-common iptables slirp4netns fuse-overlayfs uidmap debootstrap)
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null |
  awk '$2 == "ii" { print $1 }' || true)
need=()
for package in "${packages[@]}"; do
  grep -qx "$package" <<<"$installed" || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "image-deps: installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

# -- 2. podman's configuration -------------------------------------------------------------
conf=/etc/containers/containers.conf
if [ ! -e "$conf" ]; then
  # runc: crun 1.8 refuses hybrid cgroups. Limits no higher than this machine's hard ones
  # (podman's defaults fail in setrlimit without CAP_SYS_RESOURCE). No systemd here.
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  pid_max=$(cat /proc/sys/kernel/pid_max)
  for cap in 32768 "$pid_max"; do
    [ "$nproc" = unlimited ] || [ "$nproc" -gt "$cap" ] && nproc=$cap
  done
  [ "$nofile" = unlimited ] && nofile=1048576
  echo "image-deps: writing $conf (runc, cgroupfs, nofile=$nofile, nproc=$nproc)"
  $sudo mkdir -p /etc/containers
  $sudo tee "$conf" >/dev/null <<EOF
# Written by pipescope's scripts/image-deps.sh.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
fi

# -- 3. the base image ---------------------------------------------------------------------
base=$(sed -n 's/^ARG BASE=//p' Dockerfile | head -n 1)  # python:3.11-slim-bookworm
[ -n "$base" ] || { echo "image-deps: no 'ARG BASE=' in the Dockerfile" >&2; exit 1; }
name="docker.io/library/$base"
if ! $sudo podman image exists "$name"; then
  suite=${base##*-}  # the Debian codename the tag ends with
  # The mirror this machine's apt uses for Debian, else Debian's own.
  mirror=$(grep -hoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | awk '{ print $2 }' | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "image-deps: making a stand-in for $name: Debian $suite from $mirror (about a minute)"
  rootfs=$(mktemp -d /var/tmp/pipescope-base.XXXXXX)
  trap '$sudo rm -rf "$rootfs"' EXIT
  $sudo debootstrap --variant=minbase \
    --include=python3,python3-venv,python-is-python3,ca-certificates \
    "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    { tail -n 20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  # pip in the build reaches PyPI only if the base trusts what this machine trusts.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    $sudo cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    $sudo chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  $sudo rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  $sudo tar -C "$rootfs" -c . | $sudo podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
    --message "stand-in for $base: Debian $suite's python3 (scripts/image-deps.sh)" \
    - "$name" >/dev/null
  echo "image-deps: $name is ready"
fi
