"""The boundary around a run: everything a run's processes can see and do, in one place.

The supervisor stays outside: it reads /proc, borrows fds with pidfd_getfd, runs strace's
log. The run's first process enters the boundary before its first step, and every process
of the run, and everything they exec, stays inside it. Layers, each the kernel's own
(docs/security.md says what each stops, and tests/security/ attacks each one):

1. namespaces (root on a host): its own mount, network, IPC and UTS namespaces. The mount
   namespace is a new root on a tmpfs holding only what is listed below, read-only; the
   network namespace has no interface but a loopback that is down: no server to reach.
2. identity: a uid of the run's own (no other process has it, so none can be signalled,
   traced or read through /proc), no groups, no_new_privs, the run's rlimits; RLIMIT_NPROC
   caps the run's processes, since the uid is the run's alone.
3. Landlock: files only beneath the paths below, no TCP, no signal or abstract socket
   across the run's edge (what holds in a container, where namespaces are refused).
4. seccomp (syscall_filter.py): the calls that reach past all of these, refused.
5. a scrubbed environment: PATH, LANG, HOME, TMPDIR, TERM and nothing of the server's.

Where a layer cannot be had (no root for namespaces or uids, an old kernel for Landlock),
`probe()` says so once, and run.start carries the layers in force.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass, field

from app.runner import caps, landlock, syscall_filter

INSIDE_DIR = "/tmp"  # the run's directory, as its processes see it: also HOME and TMPDIR
PATH = "/usr/bin:/bin"
DISK_MB = 16  # the run's directory: its tmpfs's size, or what the supervisor lets it write
MAX_FILES = 4096
HOSTNAME = b"pipescope"

# -- the new root, top to bottom (namespaces only) ------------------------------------------
SYSTEM_DIRS = ("/usr",)  # bound read-only, nosuid
PROGRAMS_DIR = "/opt/pipescope"  # the run's other read-only dirs (compiled C), numbered
SYMLINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
ETC_FILES = ("ld.so.cache", "ld.so.conf", "nsswitch.conf", "localtime", "mime.types")
DEVICES = ("null", "zero", "full", "random", "urandom")  # bound from the host's /dev
ROOT_TMPFS = "size=1m,mode=0755"
# Landlock: what may be read (and exec'd), and what may be written, besides the run's dir.
READABLE = ("/usr", "/etc", "/proc", "/dev")
WRITABLE_DEVICES = ("/dev/null", "/dev/zero", "/dev/full")

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x20000, 0x4000000, 0x8000000, 0x40000000
CLONE_NEWUSER = 0x10000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
HIDEPID = "hidepid=invisible"
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
SYS_PIVOT_ROOT = 155
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Boundary:
    """What this machine lets the fork server build; probed once, at its start."""

    namespaces: bool
    uids: bool
    landlock: int  # the ABI, 0 for none
    seccomp: bool
    userns: bool = False  # the namespaces are in a user namespace of the run's (not root)

    def layers(self) -> list[str]:
        names = ["namespaces" if self.namespaces else "", "userns" if self.userns else ""]
        names += ["uid" if self.uids else ""]
        names += [f"landlock-{self.landlock}" if self.landlock else ""]
        names += ["seccomp" if self.seccomp else "", "environment"]
        return [n for n in names if n]


@dataclass(frozen=True)
class Policy:
    """One run's boundary: set by the fork server (uid) and the supervisor (the rest)."""

    boundary: Boundary
    run_dir: str  # on the host; inside, it is INSIDE_DIR when namespaces are in force
    uid: int | None
    disk_mb: int = DISK_MB
    read_only: tuple[str, ...] = ()  # host dirs the run may also read and exec (compiled C)
    files: dict[str, str] = field(default_factory=dict)  # written into its directory
    allow_ptrace: bool = False  # strace inside the boundary traces its own children

    @property
    def home(self) -> str:
        return INSIDE_DIR if self.boundary.namespaces else self.run_dir


def inside(policy: Policy, path: str) -> str:
    """Where a path of `read_only`, or a file beneath one, is seen from inside the run."""
    if not policy.boundary.namespaces:
        return path
    for i, top in enumerate(policy.read_only):
        if path == top or path.startswith(top + "/"):
            return f"{PROGRAMS_DIR}/{i}{path[len(top) :]}"
    return path


def probe() -> Boundary:
    """Which layers can be had here. Namespaces and uids need root (CAP_SYS_ADMIN, CAP_SETUID);
    a container's default profile refuses namespaces even to its root."""
    root = os.geteuid() == 0
    userns = not root and _can_unshare(CLONE_NEWUSER)
    return Boundary(
        namespaces=(root and _can_unshare(0)) or userns,
        uids=root,
        landlock=landlock.abi(),
        seccomp=_seccomp_works(),
        userns=userns,
    )


def enter(policy: Policy) -> None:
    """In the run's first process, once its fds and limits are set: irreversible."""
    b = policy.boundary
    if b.namespaces:
        _new_root(policy)
    else:
        os.makedirs(policy.run_dir, exist_ok=True)
        os.chmod(policy.run_dir, 0o700)  # the run's alone: no other run's uid may look in
        if policy.uid is not None and b.uids:
            os.chown(policy.run_dir, policy.uid, policy.uid)
        os.chdir(policy.run_dir)
    if policy.uid is not None and b.uids:
        os.setgroups([])
        os.setresgid(policy.uid, policy.uid, policy.uid)
        os.setresuid(policy.uid, policy.uid, policy.uid)
        # A uid change leaves a process undumpable, and then the supervisor (without
        # CAP_SYS_PTRACE, as in a container) could not read its /proc; exec resets it anyway.
        _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    for name, text in policy.files.items():
        with open(os.path.join(policy.home, name), "w") as f:
            f.write(text)
    os.environ.clear()
    os.environ.update(environment(policy.home))
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if b.landlock:
        readable = [*READABLE, *(inside(policy, p) for p in policy.read_only)]
        landlock.restrict(readable, [policy.home, *WRITABLE_DEVICES], b.landlock)
    if b.seccomp:
        syscall_filter.load(allow_ptrace=policy.allow_ptrace)


def environment(home: str) -> dict[str, str]:
    return {"PATH": PATH, "LANG": "C.UTF-8", "HOME": home, "TMPDIR": home, "TERM": "dumb"}


def disk_used(path: str) -> int:
    """Bytes the files under path take (a run's directory, where no tmpfs bounds it): a
    directory past MAX_FILES entries counts as full."""
    used, seen, todo = 0, 0, [path]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_FILES:
                return 1 << 62
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            used += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                todo.append(entry.path)
    return used


# -- the new root ---------------------------------------------------------------------------
def _new_root(policy: Policy) -> None:
    """A tmpfs root over the run's (empty) host directory, pivoted into. Nothing of the host
    is visible but what is bound here, and all of it read-only."""
    userns = policy.boundary.userns
    _check(_libc.unshare(NAMESPACES | (CLONE_NEWUSER if userns else 0)), "unshare")
    if userns:  # not root: the run's namespaces belong to a user namespace of its own
        _map_ids_to_themselves()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = policy.run_dir
    os.makedirs(root, mode=0o755, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_TMPFS)
    for name in ("usr", "etc", "proc", "dev", "tmp", "opt", ".old"):
        os.mkdir(f"{root}/{name}")
    for name, target in SYMLINKS.items():
        os.symlink(target, f"{root}/{name}")
    for path in SYSTEM_DIRS:
        _bind_read_only(path, root + path)
    for path in policy.read_only:  # where the host has them may be under /tmp: not here
        os.makedirs(root + inside(policy, path))
        _bind_read_only(path, root + inside(policy, path))
    _etc(root, policy.uid)
    _mount("tmpfs", f"{root}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for dev in DEVICES:
        open(f"{root}/dev/{dev}", "w").close()
        _mount(f"/dev/{dev}", f"{root}/dev/{dev}", None, MS_BIND)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{root}/dev/{name}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    # Another uid's processes are invisible here: the run sees only its own. Without root no
    # procfs of its own can be had: the host's is bound, and Landlock keeps the run from every
    # process outside it there (its ptrace rule covers /proc/PID/environ, fd, mem).
    if not userns:
        _mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, HIDEPID)
    elif policy.boundary.landlock:
        _mount("/proc", f"{root}/proc", None, MS_BIND | MS_REC)
    owner = policy.uid if policy.uid is not None else os.getuid()
    size = f"size={policy.disk_mb}m,nr_inodes={MAX_FILES},mode=0700,uid={owner},gid={owner}"
    _mount("tmpfs", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, size)
    _libc.sethostname(HOSTNAME, len(HOSTNAME))
    os.chdir(root)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b".old"), "pivot_root")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount the old root")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(INSIDE_DIR)
    if userns:
        caps.drop_all()  # the user namespace's capabilities made the mounts; none stay


def _map_ids_to_themselves() -> None:
    """Inside the new user namespace the run keeps the server's uid and gid (the only ones
    an unprivileged process may map), and may never call setgroups."""
    uid, gid = os.getuid(), os.getgid()
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _etc(root: str, uid: int | None) -> None:
    """An /etc with what programs look up (the loader's cache, names for the uids), and no
    more: no shadow, no host names, nothing of the server's configuration."""
    for name in ETC_FILES:
        source = os.path.realpath(f"/etc/{name}")
        if os.path.isfile(source):
            open(f"{root}/etc/{name}", "w").close()
            _bind_read_only(source, f"{root}/etc/{name}")
    run = f"run:x:{uid}:{uid}:pipescope run:{INSIDE_DIR}:/usr/sbin/nologin\n" if uid else ""
    with open(f"{root}/etc/passwd", "w") as f:
        f.write("root:x:0:0:root:/:/usr/sbin/nologin\n" + run)
    with open(f"{root}/etc/group", "w") as f:
        f.write("root:x:0:\n" + (f"run:x:{uid}:\n" if uid else ""))
    with open(f"{root}/etc/hosts", "w") as f:
        f.write("127.0.0.1 localhost\n")


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


# -- probes ---------------------------------------------------------------------------------
def _can_unshare(extra: int) -> bool:
    pid = os.fork()
    if pid == 0:
        ok = _libc.unshare(NAMESPACES | extra) == 0
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return status == 0


def _seccomp_works() -> bool:
    try:
        syscall_filter.bpf(False)  # compiled once, here, for every run to load
        syscall_filter.bpf(True)
    except (OSError, RuntimeError, AttributeError):
        return False
    return True
