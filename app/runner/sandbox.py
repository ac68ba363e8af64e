"""The boundary around a run: everything a run's processes can see and do, in one place.

The supervisor stays outside: it reads /proc, borrows fds with pidfd_getfd, runs strace's
log. The run's first process enters the boundary before its first step, and every process
of the run, and everything they exec, stays inside it. Layers, each the kernel's own
(docs/security.md says what each stops, and tests/security/ attacks each one):

1. namespaces (root on a host; without root, inside a user namespace of the run's own): its
   own mount, network, IPC and UTS namespaces. The mount namespace is a new root on a tmpfs
   holding only what rootfs.py lists, read-only; the network namespace has no interface but
   a loopback that is down: no server to reach.
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

from app.runner import caps, landlock, rootfs, syscall_filter
from app.runner.rootfs import MAX_FILES

INSIDE_DIR = "/tmp"  # the run's directory, as its processes see it: also HOME and TMPDIR
PATH = "/usr/bin:/bin"
DISK_MB = 16  # the run's directory: its tmpfs's size, or what the supervisor lets it write
HOSTNAME = b"pipescope"

PROGRAMS_DIR = "/opt/pipescope"  # the run's other read-only dirs (compiled C), numbered
# Landlock: what may be read (and exec'd), and what may be written, besides the run's dir.
READABLE = ("/usr", "/etc", "/proc", "/dev")
WRITABLE_DEVICES = ("/dev/null", "/dev/zero", "/dev/full")

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x20000, 0x4000000, 0x8000000, 0x40000000
CLONE_NEWUSER = 0x10000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
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


def join_namespaces(pid: int, policy: Policy) -> None:
    """Enter the namespaces of `pid`, a process of the run, as root (a tracer of the run's,
    before it becomes the run's uid): the run's root, network, IPC and hostname. Without
    root (a user namespace) or namespaces (a container), there are none to join."""
    b = policy.boundary
    if not b.namespaces or b.userns:
        return
    for kind in ("net", "ipc", "uts", "mnt"):  # mnt last: /proc/PID is the host's until then
        fd = os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _check(_libc.setns(fd, 0), f"setns {kind}")
        finally:
            os.close(fd)
    os.chdir(INSIDE_DIR)


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


# -- namespaces ----------------------------------------------------------------------------
def _new_root(policy: Policy) -> None:
    """Namespaces of the run's own, and a root of only what rootfs.py lists, pivoted into."""
    userns = policy.boundary.userns
    _check(_libc.unshare(NAMESPACES | (CLONE_NEWUSER if userns else 0)), "unshare")
    if userns:  # not root: the run's namespaces belong to a user namespace of its own
        _map_ids_to_themselves()
    binds = [(path, inside(policy, path)) for path in policy.read_only]
    owner = policy.uid if policy.uid is not None else os.getuid()
    # Without root no procfs of its own can be had: the host's is bound, and Landlock keeps
    # the run from every process outside it there (its ptrace rule covers environ, fd, mem).
    proc = "own" if not userns else "host" if policy.boundary.landlock else "none"
    rootfs.build(policy.run_dir, binds, owner, policy.disk_mb, proc, INSIDE_DIR)
    _libc.sethostname(HOSTNAME, len(HOSTNAME))
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
