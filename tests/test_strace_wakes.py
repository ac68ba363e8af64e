"""Which of strace's writes go in without a step: the end of a call told blocked.

The writes are strace's own, one packet each, as it made them for a parent that forks a
child, writes it "hi" and waits in wait4 while the child reads and exits (recorded on these
machines through the log's packet pipe, app/strace/tracelog.py). The parent's wait4 was told
blocked while the child ran; the child's exit woke it. With no process left to step, its
return must still go in.
"""

from __future__ import annotations

from app.strace.track import Tracker
from app.strace.wakes import is_wake

PARENT, CHILD = 4121, 4122
BEFORE_THE_WAIT = [
    "1796236760.485470 pipe2(",
    "[3<pipe:[24932]>, 4<pipe:[24932]>], 0) = 0 <0.000014>\n",
    "1796236760.485559 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID"
    "|SIGCHLD",
    ", child_tidptr=0x7f766457ba10) = 4122 <0.000096>\n",
    '[pid  4121] 1796236760.485828 write(4<pipe:[24932]>, "hi", 2',
    ") = 2 <0.000037>\n",
    "[pid  4121] 1796236760.485914 wait4(-1, ",
]
WHILE_IT_SLEEPS = [
    " <unfinished ...>\n",  # the parent's own line, closed for the child's: the parent's write
    "[pid  4122] 1796236760.485941 read(3<pipe:[24932]>, ",
    '"hi", 16) = 2 <0.000006>\n',
    "[pid  4122] 1796236760.486008 exit_group(0",
    ") = ?\n",
    "[pid  4122] 1796236760.486110 +++ exited with 0 +++\n",
]
THE_WAKE = "1796236760.486128 <... wait4 resumed>NULL, 0, NULL) = 4122 <0.000198>\n"
AFTER_IT = [
    "1796236760.486157 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4122, "
    "si_uid=0, si_status=0, si_utime=0, si_stime=0} ---\n",
    "1796236760.486192 exit_group(0",
]


class Log:
    """The tracker fed write by write, as the supervisor feeds it (TraceSupervisor.take)."""

    def __init__(self) -> None:
        self.tracker = Tracker("main")
        self.tracker.set_root(PARENT)
        self.partial = ""

    def wake(self, data: str) -> bool:
        return is_wake(self.tracker, self.partial + data)

    def take(self, data: str) -> None:
        *whole, rest = (self.partial + data).split("\n")
        for line in whole:
            self.tracker.feed(line)
        if rest and (whole or not self.partial):
            self.tracker.entry(rest)
        self.partial = rest

    def told_blocked(self, tid: int) -> None:
        """What the supervisor's look at /proc does once the kernel has tid asleep."""
        self.tracker.open[tid].blocked = True


def test_the_return_of_a_wait4_told_blocked_goes_in_without_a_step() -> None:
    log = Log()
    for data in BEFORE_THE_WAIT:
        assert not log.wake(data), data  # every call a step let go
        log.take(data)
    log.told_blocked(PARENT)
    assert log.wake(WHILE_IT_SLEEPS[0])  # only closes the sleeping parent's line
    for data in WHILE_IT_SLEEPS:
        log.take(data)
    # The child is gone, the parent is told blocked: no step can be taken, and none is needed.
    assert log.wake(THE_WAKE)
    log.take(THE_WAKE)
    for data in AFTER_IT:  # the parent runs again: each of its next writes is a step's
        assert not log.wake(data), data
        log.take(data)


def test_the_childs_own_writes_wait_for_a_step_while_its_parent_sleeps() -> None:
    log = Log()
    for data in BEFORE_THE_WAIT:
        log.take(data)
    log.told_blocked(PARENT)
    log.take(WHILE_IT_SLEEPS[0])
    for data in WHILE_IT_SLEEPS[1:]:
        assert not log.wake(data), data  # the child's calls and its exit: a step each
        log.take(data)


def test_a_sleep_not_told_blocked_is_no_wake() -> None:
    """A wait4 the supervisor never saw asleep returns as any call does: with a step."""
    log = Log()
    for data in [*BEFORE_THE_WAIT, *WHILE_IT_SLEEPS]:
        log.take(data)
    assert not log.wake(THE_WAKE)


def test_strace_s_own_words_are_no_wake() -> None:
    log = Log()
    for data in BEFORE_THE_WAIT:
        log.take(data)
    log.told_blocked(PARENT)
    log.take(WHILE_IT_SLEEPS[0])
    assert not log.wake("strace: Process 4121 detached\n")
