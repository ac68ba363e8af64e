"""The seccomp filter of a run: system calls no lesson needs, refused by the kernel.

Built with libseccomp (through pyseccomp, its ctypes binding). Everything else is allowed:
the lessons are about system calls, so the filter is a deny list of what reaches past the
run (other processes' memory, the network, the kernel's own configuration, new namespaces,
and the ways around seccomp itself), each refused with an errno a program can report.
Loaded last, after the namespaces and mounts that it forbids were made.

The strace backend runs strace inside the boundary, so its filter lets ptrace through; the
launcher strace starts loads the full filter (exported here as BPF) before any program runs.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import socket
import tempfile
import termios

import pyseccomp as seccomp  # type: ignore[import-untyped]

# Each line one guarantee: what it stops.
DENIED = (
    # reading or changing another process: memory, fds, tracing
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    # new namespaces, mounts, a new root
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    # the kernel's configuration, its modules, its keys, its clock
    "bpf",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "iopl",
    "ioperm",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "acct",
    "quotactl",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "vhangup",
    # ways around the filter or the file boundary
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_by_handle_at",
    "name_to_handle_at",
    "userfaultfd",
    "fanotify_init",
    "move_pages",
    "migrate_pages",
)
TRACER_NEEDS = ("ptrace", "process_vm_readv")  # strace reads its tracees' arguments so
NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x00000080,  # CLONE_NEWTIME
)
TIOCSTI, TIOCLINUX = termios.TIOCSTI, 0x541C  # typing into, or controlling, a terminal
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
_libc = ctypes.CDLL(None, use_errno=True)


def build(allow_ptrace: bool = False) -> seccomp.SyscallFilter:
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        if allow_ptrace and name in TRACER_NEEDS:
            continue
        f.add_rule(seccomp.ERRNO(errno.EPERM), name)
    # Sockets: Unix domain only. No inet, netlink, packet or vsock socket can be made.
    f.add_rule(
        seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX)
    )
    # A fork may not make a namespace. clone3 passes its flags in memory, which a filter
    # cannot read: ENOSYS makes glibc fall back to clone, whose flags it can.
    for flag in NAMESPACE_FLAGS:
        f.add_rule(
            seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag)
        )
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for request in (TIOCSTI, TIOCLINUX):
        f.add_rule(seccomp.ERRNO(errno.EPERM), "ioctl", seccomp.Arg(1, seccomp.EQ, request))
    return f


@functools.cache
def bpf(allow_ptrace: bool, /) -> bytes:
    """The filter compiled to BPF, once per process: the fork server compiles both when it
    starts (sandbox.probe), and every run's process inherits them with the fork."""
    with tempfile.TemporaryFile() as out:
        build(allow_ptrace).export_bpf(out)
        out.seek(0)
        return out.read()


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def load(allow_ptrace: bool = False) -> None:
    """Install the filter on this process (no_new_privs already set), as libseccomp's
    seccomp_load does, from the BPF compiled ahead: a prctl, not a compile."""
    program = bpf(allow_ptrace)
    code = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(code, ctypes.c_void_p))
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp: {os.strerror(err)}")


def export_fd() -> int:
    """The full filter as BPF in a memfd, for the strace launcher to load before it runs
    anything (launch.c): one filter, defined here, for both backends."""
    fd = os.memfd_create("pipescope-seccomp", 0)  # inherited by strace and the launcher
    os.write(fd, bpf(False))
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
