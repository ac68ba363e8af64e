"""The root a run sees, when it has a mount namespace of its own: the list, top to bottom.

A tmpfs over the run's (empty) host directory, holding only what is listed here, then
pivoted into and made read-only. Nothing of the host is visible but these:

    /usr                 the host's, read-only, nosuid (bin, sbin, lib, lib64: symlinks into it)
    /etc                 ETC_FILES bound read-only, a passwd and group of root and the run
    /dev                 DEVICES bound from the host's, stdin/stdout/stderr/fd symlinks
    /proc                its own, hidepid=invisible (or, without root, the host's behind Landlock)
    /opt/pipescope/N     each read-only directory a run may exec from (compiled C)
    /tmp                 the run's directory: a tmpfs of disk_mb and MAX_FILES, the run's own
"""

from __future__ import annotations

import ctypes
import os

SYSTEM_DIRS = ("/usr",)
SYMLINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
ETC_FILES = ("ld.so.cache", "ld.so.conf", "nsswitch.conf", "localtime", "mime.types")
DEVICES = ("null", "zero", "full", "random", "urandom")
ROOT_TMPFS = "size=1m,mode=0755"
DEV_TMPFS = "size=64k,mode=0755"
HIDEPID = "hidepid=invisible"  # another uid's processes are invisible: the run sees its own
MAX_FILES = 4096

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
SYS_PIVOT_ROOT = 155
_libc = ctypes.CDLL(None, use_errno=True)


def build(
    root: str, binds: list[tuple[str, str]], owner: int, disk_mb: int, proc: str, home: str
) -> None:
    """Build the root over `root` and pivot into it, ending in `home` (the run's /tmp).
    `binds`: (host dir, path inside) pairs; `proc`: "own", "host" or "none"."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, mode=0o755, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_TMPFS)
    for name in ("usr", "etc", "proc", "dev", "tmp", "opt", ".old"):
        os.mkdir(f"{root}/{name}")
    for name, target in SYMLINKS.items():
        os.symlink(target, f"{root}/{name}")
    for path in SYSTEM_DIRS:
        _bind_read_only(path, root + path)
    for host, inside in binds:  # where the host has them may be under /tmp: not here
        os.makedirs(root + inside)
        _bind_read_only(host, root + inside)
    _etc(root, owner, home)
    _dev(root)
    if proc == "own":
        _mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, HIDEPID)
    elif proc == "host":
        _mount("/proc", f"{root}/proc", None, MS_BIND | MS_REC)
    size = f"size={disk_mb}m,nr_inodes={MAX_FILES},mode=0700,uid={owner},gid={owner}"
    _mount("tmpfs", root + home, "tmpfs", MS_NOSUID | MS_NODEV, size)
    os.chdir(root)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b".old"), "pivot_root")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount the old root")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(home)


def _etc(root: str, uid: int, home: str) -> None:
    """An /etc with what programs look up (the loader's cache, names for the uids), and no
    more: no shadow, no host names, nothing of the server's configuration."""
    for name in ETC_FILES:
        source = os.path.realpath(f"/etc/{name}")
        if os.path.isfile(source):
            open(f"{root}/etc/{name}", "w").close()
            _bind_read_only(source, f"{root}/etc/{name}")
    run = f"run:x:{uid}:{uid}:pipescope run:{home}:/usr/sbin/nologin\n" if uid else ""
    with open(f"{root}/etc/passwd", "w") as f:
        f.write("root:x:0:0:root:/:/usr/sbin/nologin\n" + run)
    with open(f"{root}/etc/group", "w") as f:
        f.write("root:x:0:\n" + (f"run:x:{uid}:\n" if uid else ""))
    with open(f"{root}/etc/hosts", "w") as f:
        f.write("127.0.0.1 localhost\n")


def _dev(root: str) -> None:
    _mount("tmpfs", f"{root}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, DEV_TMPFS)
    for dev in DEVICES:
        open(f"{root}/dev/{dev}", "w").close()
        _mount(f"/dev/{dev}", f"{root}/dev/{dev}", None, MS_BIND)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{root}/dev/{name}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")


def _bind_read_only(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    enc = [s.encode() if s is not None else None for s in (source, target, fstype)]
    result = _libc.mount(enc[0], enc[1], enc[2], flags, data.encode() if data else None)
    _check(result, f"mount {target}")


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"sandbox: {what}: {os.strerror(err)}")
