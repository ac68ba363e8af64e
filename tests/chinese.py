"""What may stay in Latin letters in a Chinese sentence: code. Call and program names,
signal and errno names, flags, fds and pids, paths and units; never an English word."""

from __future__ import annotations

import re

from app.scenarios.commands import COMMANDS

CALLS = {
    "pipe",
    "pipe2",
    "fork",
    "close",
    "read",
    "write",
    "dup",
    "dup2",
    "exec",
    "execve",
    "execvp",
    "wait",
    "wait4",
    "waitpid",
    "exit",
    "exit_group",
    "fcntl",
    "kill",
    "raise",
    "sigaction",
    "sigprocmask",
    "pause",
    "sigsuspend",
    "sigwaitinfo",
    "mmap",
    "munmap",
    "msync",
    "mkfifo",
    "open",
    "unlink",
    "socket",
    "socketpair",
    "bind",
    "listen",
    "accept",
    "connect",
    "send",
    "recv",
    "sendmsg",
    "recvmsg",
    "shutdown",
    "futex",
    "setsid",
    "sched_yield",
    "clock_nanosleep",
    "poll",
    "ioctl",
    "load",
    "store",
    "select",
    "splice",
    "memfd_create",
}
TERMS = {
    "fd",
    "gcc",  # the compiler, named as a program is
    "pthreads",
    "KiB",
    "pid",
    "ppid",
    "EOF",
    "PIPE_BUF",
    "FIONREAD",
    "wchan",
    "errno",
    "argv",
    "stdin",
    "stdout",
    "stderr",
    "libc",
    "strace",
    "shell",
    "pipescope",
    "Perfetto",
    "JSON",
    "HTTP",
    "API",
    "MB",
    "MiB",
    "ms",
    "C",
    "A",
    "B",
    "true",
    "false",
    "null",
    "Home",
    "End",
    "struct",
    "file",
    "proc",
    "dev",
    "tmp",
    "kcmp",
    "memfd",
    "glibc",
    "pagemap",
    "smaps",
    "maps",
    "Linux",
    "Unix",
    "demo",
    "hello",
    "FIFO",
    "CAP_SYS_PTRACE",
    "head",
    "tail",
    "SA_RESTART",
    "SIG_IGN",
    "SIG_DFL",
    "SIG_BLOCK",
    "SIG_UNBLOCK",
    "SIG_SETMASK",
    "WNOHANG",
    "SCM_RIGHTS",
    "MSG_PEEK",
    "MSG_DONTWAIT",
    "MSG_TRUNC",
    "TTY",
    "tty",
    "pts",
    "mode",
    "zombie",
}
CODE = re.compile(
    r"`[^`]*`"  # written as code
    r"|(?:/[\w.\-\[\]:]+)+"  # paths: /dev/null, /tmp/x.fifo, /proc/PID/fd
    r"|\w+:\[\d+\]"  # pipe:[8322], socket:[8330]
    r"|\b(?:SIG|E|O_|S_|AF_|SOCK_|MSG_|SA_)[A-Z0-9_+]+\b"  # SIGUSR1, EPIPE, O_NONBLOCK ...
    r'|"(?:[^"\\]|\\.)*"'  # data, quoted: "hello pipe\n"
    r"|\b\w+\([^()]*\)"  # a call written as one: fork(), write(4, …, 11)
    r"|\b[a-z0-9]+(?:_[a-z0-9]+)+\b"  # a kernel function or constant: do_wait, anon_pipe_read
    r"|\{[a-z_]+\}"  # a placeholder not yet filled
    r"|\b[a-z_]+\[[^\]]*\]"  # fd[0], stage[n-1]
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"  # a constant: F_SETPIPE_SZ
    r"|(?<![\w-])--?[A-Za-z][\w-]*"  # a command's option: -n, -l, --reverse
    r"|\bf\d+\b"  # an open file's id: f2
    r"|\b(?:[a-z0-9-]+\.)+(?:dev|org|com|io|net)\b"  # a web site's name: ui.perfetto.dev
    r"|\b[A-Za-z]\b"  # one letter: a process state (T, Z), a writer (A, B), ls -l's (d, p)
    r"|\b(?:Sig|Shd)(?:Pnd|Blk|Ign|Cgt|Q)\b"  # fields of /proc/PID/status
    r"|\d+(?:\.\d+)?\s*(?:ms|s|KiB|MiB|MB|KB|B)\b"  # units after a number
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
ALLOWED = CALLS | TERMS | set(COMMANDS)


def latin_words(text: str, also: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """The Latin words of a Chinese text that are not code (an English word left untranslated)."""
    bare = CODE.sub(" ", text)
    return [w for w in WORD.findall(bare) if w not in ALLOWED and w not in also]
